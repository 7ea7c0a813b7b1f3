/* eslint-disable @typescript-eslint/no-require-imports, @typescript-eslint/require-await -- these functions' text may be
   stored in users' states: they must stay as they are (see below) */
import type * as pulumi from "@pulumi/pulumi";

/*
 * The plugin provider object Pulumi stores in every resource's state as `__provider`. This module's exports (its
 * methods, one export each) are the object itself, and the package exports the module by its file, the name Pulumi's
 * closure serializer gives it, so that the serializer stores `require("pulumi-wechat/dist/provider/dynamic/plugin.js")`
 * (about 270 bytes) instead of the functions' text (about 2.4 KB, in the inputs and again in the outputs of every
 * resource): the state, which a self-managed backend rewrites after every step, is then about a third the size.
 * Where the package is not under node_modules (npm link), the serializer stores the functions' text, which delegates
 * to the installed package as well.
 * The functions capture nothing and only delegate to the installed package, which keeps the state free of secrets and
 * makes old stacks run the new code for refresh and delete. Do not add logic here, nor move or rename this file: the
 * states that name it, and those written before it existed, hold its path or its functions' text.
 */
type Provider = Required<pulumi.dynamic.ResourceProvider>;

export const configure: Provider["configure"] = async (req) => require("pulumi-wechat/runtime").configure(req.config);
export const check: Provider["check"] = async (olds, news) => require("pulumi-wechat/runtime").plugin.check(olds, news);
export const diff: Provider["diff"] = async (id, olds, news) => require("pulumi-wechat/runtime").plugin.diff(id, olds, news);
export const create: Provider["create"] = async (inputs) => require("pulumi-wechat/runtime").plugin.create(inputs);
export const read: Provider["read"] = async (id, props) => require("pulumi-wechat/runtime").plugin.read(id, props);
export const update: Provider["update"] = async (id, olds, news) => require("pulumi-wechat/runtime").plugin.update(id, olds, news);
const remove: Provider["delete"] = async (id, props) => require("pulumi-wechat/runtime").plugin.delete(id, props);
export { remove as delete };
