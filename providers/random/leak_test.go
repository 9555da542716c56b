package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/logging"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/structpb"
)

// transcript collects everything a user or a log file could see: the provider's log lines, every
// gRPC error, every Check failure, the ids and the diffs.
type transcript struct {
	mu    sync.Mutex
	lines []string
}

func (tr *transcript) add(format string, args ...any) {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	tr.lines = append(tr.lines, fmt.Sprintf(format, args...))
}

func (tr *transcript) log(_ context.Context, urn resource.URN, msg string) {
	tr.add("log %s: %s", urn, msg)
}

// verboseStderr turns on the SDK's logging at -v=9 to stderr (what `pulumi up -v=9 --logflow`
// gives a plugin) and returns a function that restores it and returns what was written.
func verboseStderr(t *testing.T) func() string {
	t.Helper()
	f, err := os.CreateTemp(t.TempDir(), "stderr")
	if err != nil {
		t.Fatal(err)
	}
	saved := os.Stderr
	os.Stderr = f
	logging.InitLogging(true, 9, true)
	return func() string {
		logging.Flush()
		os.Stderr = saved
		_ = flag.Set("v", "0")
		_ = flag.Set("logtostderr", "false")
		b, err := os.ReadFile(f.Name())
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
}

func TestPasswordNeverLoggedOrInErrors(t *testing.T) {
	ctx := context.Background()
	stderr := verboseStderr(t)
	logging.V(9).Infof("stderr-capture-probe")

	tr := &transcript{}
	p := newProvider("0.0.0-dev", tr.log)
	c := serve(t, p)
	configure(t, c, true)
	record := func(op string, err error) {
		if err != nil {
			tr.add("%s error: %v", op, err)
		}
	}
	// The engine's side of the calls runs in this process too: it must not log values either, so it
	// uses the provider's quiet wire code (TestWireMatchesThePluginMarshaller shows it is equivalent).
	toWire := func(t *testing.T, m resource.PropertyMap) *structpb.Struct {
		s, err := marshalMap(m, true)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}

	inputs, _ := checkInputs(props(map[string]any{"length": 32, "keepers": map[string]any{"k": "1"}}))
	check, err := c.Check(ctx, &pulumirpc.CheckRequest{Urn: testURN, News: toWire(t, inputs)})
	record("Check", err)
	created, err := c.Create(ctx, &pulumirpc.CreateRequest{Urn: testURN, Properties: check.GetInputs()})
	if err != nil {
		t.Fatal(err)
	}
	tr.add("id %s", created.Id)
	state, err := unmarshalMap(created.Properties)
	if err != nil {
		t.Fatal(err)
	}
	password := secretString(t, state, keyResult)
	hash := secretString(t, state, keyBcryptHash)

	// Every other call, with the password in the state it is given, on success and failure paths.
	changed := toWire(t, withValue(inputs, "length", 33))
	diff, err := c.Diff(ctx, &pulumirpc.DiffRequest{Id: created.Id, Urn: testURN, Olds: created.Properties, News: changed})
	record("Diff", err)
	tr.add("diff %v", diff)
	read, err := c.Read(ctx, &pulumirpc.ReadRequest{Id: created.Id, Urn: testURN, Properties: created.Properties})
	record("Read", err)
	tr.add("read id %s", read.GetId())
	imported, err := c.Read(ctx, &pulumirpc.ReadRequest{Id: password, Urn: testURN})
	record("Read (import)", err)
	tr.add("import id %s", imported.GetId())
	_, err = c.Update(ctx, &pulumirpc.UpdateRequest{Id: created.Id, Urn: testURN, Olds: created.Properties, News: changed})
	record("Update", err)
	_, err = c.Delete(ctx, &pulumirpc.DeleteRequest{Id: created.Id, Urn: testURN, Properties: created.Properties})
	record("Delete", err)
	_, err = c.Read(ctx, &pulumirpc.ReadRequest{Id: created.Id, Urn: "urn:pulumi:d::p::random:index/x:X::n", Properties: created.Properties})
	record("Read (wrong type)", err)
	bad, err := c.Check(ctx, &pulumirpc.CheckRequest{Urn: testURN, Olds: created.Properties,
		News: toWire(t, props(map[string]any{"length": 0, "result": password}))})
	record("Check (bad)", err)
	for _, f := range bad.GetFailures() {
		tr.add("failure %s: %s", f.Property, f.Reason)
	}
	p.rnd = failingReader{}
	_, err = c.Create(ctx, &pulumirpc.CreateRequest{Urn: testURN, Properties: check.GetInputs()})
	record("Create (no entropy)", err)

	logged := stderr()
	if !strings.Contains(logged, "stderr-capture-probe") {
		t.Fatalf("the stderr capture did not work; got %q", logged)
	}
	if len(tr.lines) < 8 {
		t.Fatalf("transcript too short to mean anything: %q", tr.lines)
	}
	all := strings.Join(tr.lines, "\n") + "\n" + logged
	for name, s := range map[string]string{"password": password, "bcryptHash": hash} {
		if strings.Contains(all, s) {
			t.Errorf("the %s appears in logs or errors:\n%s", name, all)
		}
	}
}

// The hand-written wire code must produce exactly what plugin.MarshalProperties produces and read
// it back, secrets, unknowns and nesting included.
func TestWireMatchesThePluginMarshaller(t *testing.T) {
	unknown := resource.MakeComputed(resource.NewStringProperty(""))
	m := resource.PropertyMap{
		"s":             resource.NewStringProperty("x"),
		"n":             resource.NewNumberProperty(3),
		"b":             resource.NewBoolProperty(true),
		"secret":        resource.MakeSecret(resource.NewStringProperty("hidden")),
		"unknown":       unknown,
		"secretUnknown": resource.MakeSecret(unknown),
		"obj": resource.NewObjectProperty(resource.PropertyMap{
			"a": resource.MakeSecret(resource.NewStringProperty("1")),
			"l": resource.NewArrayProperty([]resource.PropertyValue{resource.NewStringProperty("e"), unknown}),
		}),
	}
	for _, keep := range []bool{true, false} {
		want, err := plugin.MarshalProperties(m, plugin.MarshalOptions{KeepUnknowns: true, KeepSecrets: keep})
		if err != nil {
			t.Fatal(err)
		}
		got, err := marshalMap(m, keep)
		if err != nil {
			t.Fatal(err)
		}
		if !proto.Equal(got, want) {
			t.Errorf("keepSecrets=%t: marshalMap = %v, plugin.MarshalProperties = %v", keep, got, want)
		}
	}
	back, err := unmarshalMap(toWire(t, m))
	if err != nil {
		t.Fatal(err)
	}
	if !back.DeepEquals(m) {
		t.Errorf("round trip: got %v, want %v", back, m)
	}
}
