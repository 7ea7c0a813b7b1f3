//go:build dotnet

// .NET: Pulumi moved its code generator to github.com/pulumi/pulumi-dotnet, which the Go module proxy
// here refuses, so this file is built against the last github.com/pulumi/pulumi/pkg/v3 that had
// codegen/dotnet (scripts/gen-sdk.sh names it).
package main

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"net/http"

	"github.com/pulumi/pulumi/pkg/v3/codegen/dotnet"
	"github.com/pulumi/pulumi/pkg/v3/codegen/schema"
)

// The icon the .NET generator downloads for the NuGet package when the schema names no logoUrl.
const pulumiLogoURL = "https://raw.githubusercontent.com/pulumi/pulumi/dbc96206bec722b7791a22ff50e895ab7c0abdc0/sdk/dotnet/pulumi_logo_64x64.png"

func init() {
	// The generator fetches the icon with http.Get, and these machines have no internet (nor should a
	// generated file depend on what a URL serves today), so that one request is answered here with an
	// icon drawn in code: a 64x64 square in WeChat's green. Any other request fails.
	http.DefaultTransport = drawnLogo{}
	generators["dotnet"] = func(pkg *schema.Package, _ schema.ReferenceLoader) (map[string][]byte, error) {
		return dotnet.GeneratePackage(tool, pkg, nil, nil)
	}
}

type drawnLogo struct{}

func (drawnLogo) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.String() != pulumiLogoURL {
		return nil, fmt.Errorf("sdkgen makes no network requests (asked for %s; give the schema no logoUrl)", req.URL)
	}
	img := image.NewRGBA(image.Rect(0, 0, 64, 64))
	for y := 0; y < 64; y++ {
		for x := 0; x < 64; x++ {
			img.Set(x, y, color.RGBA{R: 0x07, G: 0xc1, B: 0x60, A: 0xff})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, err
	}
	return &http.Response{
		Status:     "200 OK",
		StatusCode: http.StatusOK,
		Header:     http.Header{"Content-Type": {"image/png"}},
		Body:       io.NopCloser(&buf),
		Request:    req,
	}, nil
}
