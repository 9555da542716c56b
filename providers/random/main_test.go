package main

import (
	"bufio"
	"context"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/protobuf/types/known/emptypb"
)

// The toolchain builds the plugin with -X main.version=<@pulumi/random's version>+redis-platform
// (build metadata, which semver comparison ignores, names it as the project's build); the engine
// warns when a plugin reports less than it asked for: check the stamp survives into GetPluginInfo,
// through the real binary and provider.Main's startup protocol (port on stdout).
func TestBinaryReportsStampedVersion(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the plugin binary")
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command on PATH")
	}
	bin := filepath.Join(t.TempDir(), "pulumi-resource-random")
	build := exec.Command(goBin, "build", "-ldflags", "-X main.version=4.21.2+redis-platform", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}

	cmd := exec.Command(bin) // no engine address: provider.Main's attach mode, which still serves
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	port, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatalf("reading the port from the plugin: %v", err)
	}
	conn, err := grpc.NewClient("127.0.0.1:"+strings.TrimSpace(port),
		grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	info, err := pulumirpc.NewResourceProviderClient(conn).GetPluginInfo(context.Background(), &emptypb.Empty{})
	if err != nil || info.GetVersion() != "4.21.2+redis-platform" {
		t.Errorf("GetPluginInfo = %v, %v; want version 4.21.2+redis-platform", info, err)
	}
}
