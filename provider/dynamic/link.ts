/* eslint-disable @typescript-eslint/no-require-imports, @typescript-eslint/require-await -- these functions' text may be
   stored in users' states: they must stay as they are (see below) */
import type * as pulumi from "@pulumi/pulumi";

/*
 * The link provider object Pulumi stores in every resource's state as `__provider`. This module's exports are the
 * object itself, and the package exports the module (pulumi-wechat/dynamic/link, and by its file for SDKs before about
 * 3.270, which name it so), so that Pulumi's closure serializer stores `require("pulumi-wechat/dynamic/link")` (about
 * 250 bytes) instead of the functions' text (about 2.4 KB, in the inputs and again in the outputs of every resource):
 * the state, which a self-managed backend rewrites after every step, is then about a third the size. Where the package
 * is not under node_modules (npm link), the serializer stores the functions' text, which delegates to the installed
 * package as well.
 * The functions capture nothing and only delegate to the installed package, which keeps the state free of secrets and
 * makes old stacks run the new code for refresh and delete. Do not add logic here: a change to these functions changes
 * the text stored where the package is linked, and a state written before this module existed holds it.
 */
const provider: pulumi.dynamic.ResourceProvider = {
  configure: async (req) => require("pulumi-wechat/runtime").configure(req.config),
  check: async (olds, news) => require("pulumi-wechat/runtime").link.check(olds, news),
  diff: async (id, olds, news) => require("pulumi-wechat/runtime").link.diff(id, olds, news),
  create: async (inputs) => require("pulumi-wechat/runtime").link.create(inputs),
  read: async (id, props) => require("pulumi-wechat/runtime").link.read(id, props),
  update: async (id, olds, news) => require("pulumi-wechat/runtime").link.update(id, olds, news),
  delete: async (id, props) => require("pulumi-wechat/runtime").link.delete(id, props),
};

export = provider;
