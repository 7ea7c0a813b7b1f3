// WeChat mini program plugins and official-account links, managed from Pulumi.
package wechat
