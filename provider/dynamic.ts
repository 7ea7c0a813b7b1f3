/* eslint-disable @typescript-eslint/no-require-imports, @typescript-eslint/require-await -- these functions' text is
   stored in every user's state: they must stay as they are (see below) */
import type * as pulumi from "@pulumi/pulumi";

/*
 * The objects whose source text Pulumi stores in every resource's state as `__provider`. They capture nothing and only
 * delegate to the installed package, which keeps the state small and free of secrets, byte-identical across
 * releases (so upgrades show no `__provider` diff), and makes old stacks run the new code for refresh and delete.
 * Do not add logic here: any change to these functions changes every user's state.
 */

export const pluginProvider: pulumi.dynamic.ResourceProvider = {
  configure: async (req) => require("pulumi-wechat/runtime").configure(req.config),
  check: async (olds, news) => require("pulumi-wechat/runtime").plugin.check(olds, news),
  diff: async (id, olds, news) => require("pulumi-wechat/runtime").plugin.diff(id, olds, news),
  create: async (inputs) => require("pulumi-wechat/runtime").plugin.create(inputs),
  read: async (id, props) => require("pulumi-wechat/runtime").plugin.read(id, props),
  update: async (id, olds, news) => require("pulumi-wechat/runtime").plugin.update(id, olds, news),
  delete: async (id, props) => require("pulumi-wechat/runtime").plugin.delete(id, props),
};

export const linkProvider: pulumi.dynamic.ResourceProvider = {
  configure: async (req) => require("pulumi-wechat/runtime").configure(req.config),
  check: async (olds, news) => require("pulumi-wechat/runtime").link.check(olds, news),
  diff: async (id, olds, news) => require("pulumi-wechat/runtime").link.diff(id, olds, news),
  create: async (inputs) => require("pulumi-wechat/runtime").link.create(inputs),
  read: async (id, props) => require("pulumi-wechat/runtime").link.read(id, props),
  update: async (id, olds, news) => require("pulumi-wechat/runtime").link.update(id, olds, news),
  delete: async (id, props) => require("pulumi-wechat/runtime").link.delete(id, props),
};
