/* eslint-disable @typescript-eslint/no-require-imports, @typescript-eslint/require-await -- these functions' text may be
   stored in users' states: they must stay as they are (see below) */
import type * as pulumi from "@pulumi/pulumi";

/*
 * The link provider object Pulumi stores in every resource's state as `__provider`, as
 * `require("pulumi-wechat/dist/provider/dynamic/link.js")`: the twin of dynamic/plugin.ts, which says why it is a
 * module of its own and why nothing here may change.
 */
type Provider = Required<pulumi.dynamic.ResourceProvider>;

export const configure: Provider["configure"] = async (req) => require("pulumi-wechat/runtime").configure(req.config);
export const check: Provider["check"] = async (olds, news) => require("pulumi-wechat/runtime").link.check(olds, news);
export const diff: Provider["diff"] = async (id, olds, news) => require("pulumi-wechat/runtime").link.diff(id, olds, news);
export const create: Provider["create"] = async (inputs) => require("pulumi-wechat/runtime").link.create(inputs);
export const read: Provider["read"] = async (id, props) => require("pulumi-wechat/runtime").link.read(id, props);
export const update: Provider["update"] = async (id, olds, news) => require("pulumi-wechat/runtime").link.update(id, olds, news);
const remove: Provider["delete"] = async (id, props) => require("pulumi-wechat/runtime").link.delete(id, props);
export { remove as delete };
