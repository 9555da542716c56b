// Command pulumi-resource-random is the project's own resource provider for @pulumi/random's
// RandomPassword, installed as plugin "random" because the upstream provider's Go module cannot be
// fetched here (see README.md in this directory).
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/pulumi/pulumi/pkg/v3/resource/provider"
	"github.com/pulumi/pulumi/sdk/v3/go/common/diag"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

// version is stamped at build time (-ldflags "-X main.version=4.21.2"): the engine warns when a
// plugin reports less than the version the program asked for.
var version = "0.0.0-dev"

func main() {
	// With --tracing, the gRPC server interceptor would otherwise attach every request and response,
	// the generated password included, to the trace.
	_ = os.Setenv("PULUMI_TRACING_NO_PAYLOADS", "true")
	err := provider.Main("random", func(host *provider.HostClient) (pulumirpc.ResourceProviderServer, error) {
		return newProvider(version, hostLog(host)), nil
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

// hostLog sends the provider's lines to the engine at debug level (shown with --debug or -v).
func hostLog(host *provider.HostClient) logFunc {
	if host == nil {
		return nil
	}
	return func(ctx context.Context, urn resource.URN, msg string) {
		_ = host.Log(ctx, diag.Debug, urn, msg)
	}
}
