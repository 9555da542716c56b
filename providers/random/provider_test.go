package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/pulumi/pulumi/pkg/v3/codegen/schema"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"golang.org/x/crypto/bcrypt"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/structpb"
)

const testURN = "urn:pulumi:dev::redis-platform::random:index/randomPassword:RandomPassword::redis-password"

// engineOpts is how the engine (un)marshals when the provider accepts secrets.
var engineOpts = plugin.MarshalOptions{KeepUnknowns: true, KeepSecrets: true}

// serve runs p behind a real gRPC server on a loopback port, with the interceptors provider.Main
// installs, and returns an engine-side client.
func serve(t *testing.T, p *randomProvider) pulumirpc.ResourceProviderClient {
	t.Helper()
	cancel := make(chan bool)
	handle, err := rpcutil.ServeWithOptions(rpcutil.ServeOptions{
		Cancel: cancel,
		Init: func(srv *grpc.Server) error {
			pulumirpc.RegisterResourceProviderServer(srv, p)
			return nil
		},
		Options: rpcutil.OpenTracingServerInterceptorOptions(nil),
	})
	if err != nil {
		t.Fatal(err)
	}
	conn, err := grpc.NewClient(fmt.Sprintf("127.0.0.1:%d", handle.Port),
		grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		conn.Close()
		close(cancel)
		<-handle.Done
	})
	return pulumirpc.NewResourceProviderClient(conn)
}

func toWire(t *testing.T, m resource.PropertyMap) *structpb.Struct {
	t.Helper()
	s, err := plugin.MarshalProperties(m, engineOpts)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func fromWire(t *testing.T, s *structpb.Struct) resource.PropertyMap {
	t.Helper()
	m, err := plugin.UnmarshalProperties(s, engineOpts)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func configure(t *testing.T, c pulumirpc.ResourceProviderClient, acceptSecrets bool) {
	t.Helper()
	resp, err := c.Configure(context.Background(), &pulumirpc.ConfigureRequest{AcceptSecrets: acceptSecrets})
	if err != nil {
		t.Fatal(err)
	}
	if !resp.AcceptSecrets || !resp.SupportsPreview {
		t.Fatalf("Configure = %v, want acceptSecrets and supportsPreview", resp)
	}
}

// secretString returns the string under a secret, failing when the value is not a secret string.
func secretString(t *testing.T, m resource.PropertyMap, k resource.PropertyKey) string {
	t.Helper()
	v := m[k]
	if !v.IsSecret() || !v.SecretValue().Element.IsString() {
		t.Fatalf("%s is %v, want a secret string", k, v.TypeString())
	}
	return v.SecretValue().Element.StringValue()
}

func TestLifecycleOverGRPC(t *testing.T) {
	ctx := context.Background()
	c := serve(t, newProvider("4.21.2", nil))
	configure(t, c, true)

	info, err := c.GetPluginInfo(ctx, &emptypb.Empty{})
	if err != nil || info.Version != "4.21.2" {
		t.Fatalf("GetPluginInfo = %v, %v", info, err)
	}

	news := props(map[string]any{"length": 24, "special": false, "keepers": map[string]any{"rotation": "1"}})
	check, err := c.Check(ctx, &pulumirpc.CheckRequest{Urn: testURN, News: toWire(t, news)})
	if err != nil || len(check.Failures) != 0 {
		t.Fatalf("Check = %v, %v", check, err)
	}
	inputs := fromWire(t, check.Inputs)
	if !inputs["upper"].BoolValue() || inputs["special"].BoolValue() || inputs["minLower"].NumberValue() != 0 {
		t.Fatalf("checked inputs %v lack the defaults", inputs)
	}

	preview, err := c.Create(ctx, &pulumirpc.CreateRequest{Urn: testURN, Properties: check.Inputs, Preview: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []resource.PropertyKey{keyResult, keyBcryptHash} {
		if v := fromWire(t, preview.Properties)[k]; !v.IsSecret() || !v.SecretValue().Element.IsComputed() {
			t.Errorf("preview %s = %v, want an unknown secret", k, v)
		}
	}

	created, err := c.Create(ctx, &pulumirpc.CreateRequest{Urn: testURN, Properties: check.Inputs})
	if err != nil {
		t.Fatal(err)
	}
	if created.Id != "none" {
		t.Errorf("id %q, want upstream's \"none\"", created.Id)
	}
	state := fromWire(t, created.Properties)
	pw := secretString(t, state, keyResult)
	if utf8.RuneCountInString(pw) != 24 || countIn(pw, defaultSpecialChars) != 0 {
		t.Errorf("password has %d characters, %d specials; want 24 and none", len(pw), countIn(pw, defaultSpecialChars))
	}
	if err := bcrypt.CompareHashAndPassword([]byte(secretString(t, state, keyBcryptHash)), []byte(pw)); err != nil {
		t.Errorf("bcryptHash does not verify against result: %v", err)
	}
	if !state["keepers"].DeepEquals(inputs["keepers"]) || !state["length"].DeepEquals(inputs["length"]) {
		t.Errorf("state does not carry the inputs: %v", state)
	}

	same, err := c.Diff(ctx, &pulumirpc.DiffRequest{Id: created.Id, Urn: testURN, Olds: created.Properties,
		OldInputs: check.Inputs, News: check.Inputs})
	if err != nil || same.Changes != pulumirpc.DiffResponse_DIFF_NONE || len(same.Replaces) != 0 {
		t.Errorf("Diff of unchanged inputs = %v, %v; want DIFF_NONE", same, err)
	}

	rotated := withValue(inputs, "keepers", map[string]any{"rotation": "2"})
	diff, err := c.Diff(ctx, &pulumirpc.DiffRequest{Id: created.Id, Urn: testURN, Olds: created.Properties,
		News: toWire(t, rotated)})
	if err != nil {
		t.Fatal(err)
	}
	if diff.Changes != pulumirpc.DiffResponse_DIFF_SOME || strings.Join(diff.Replaces, ",") != "keepers" ||
		diff.DetailedDiff["keepers"].GetKind() != pulumirpc.PropertyDiff_UPDATE_REPLACE {
		t.Errorf("Diff after a keeper change = %v, want replace of keepers", diff)
	}

	read, err := c.Read(ctx, &pulumirpc.ReadRequest{Id: created.Id, Urn: testURN, Properties: created.Properties,
		Inputs: check.Inputs})
	if err != nil || read.Id != "none" || !fromWire(t, read.Properties).DeepEquals(state) {
		t.Errorf("Read (refresh) changed the state: %v, %v", read, err)
	}

	if _, err := c.Delete(ctx, &pulumirpc.DeleteRequest{Id: created.Id, Urn: testURN, Properties: created.Properties}); err != nil {
		t.Errorf("Delete: %v", err)
	}
	if _, err := c.Cancel(ctx, &emptypb.Empty{}); err != nil {
		t.Errorf("Cancel: %v", err)
	}
	_, err = c.Update(ctx, &pulumirpc.UpdateRequest{Id: created.Id, Urn: testURN, Olds: created.Properties, News: check.Inputs})
	if status.Code(err) != codes.FailedPrecondition || !strings.Contains(err.Error(), "should never be called") {
		t.Errorf("Update = %v, want an error saying it should never be called", err)
	}
}

func TestCheckFailuresOverGRPC(t *testing.T) {
	c := serve(t, newProvider("0.0.0-dev", nil))
	configure(t, c, true)
	resp, err := c.Check(context.Background(), &pulumirpc.CheckRequest{Urn: testURN,
		News: toWire(t, props(map[string]any{"length": 3, "minUpper": 2, "minNumeric": 2}))})
	if err != nil {
		t.Fatal(err)
	}
	want := "length is 3 but must be at least minUpper + minLower + minNumeric + minSpecial = 2 + 0 + 2 + 0 = 4"
	if len(resp.Failures) != 1 || resp.Failures[0].Property != "length" || resp.Failures[0].Reason != want {
		t.Errorf("failures = %v, want length: %q", resp.Failures, want)
	}
}

func TestOutputsAreSecretsOnlyWhenAccepted(t *testing.T) {
	for _, accept := range []bool{true, false} {
		c := serve(t, newProvider("0.0.0-dev", nil))
		configure(t, c, accept)
		inputs, _ := checkInputs(props(map[string]any{"length": 12}))
		resp, err := c.Create(context.Background(), &pulumirpc.CreateRequest{Urn: testURN, Properties: toWire(t, inputs)})
		if err != nil {
			t.Fatal(err)
		}
		out := fromWire(t, resp.Properties)
		for _, k := range []resource.PropertyKey{keyResult, keyBcryptHash} {
			if out[k].IsSecret() != accept {
				t.Errorf("acceptSecrets=%t: %s secret=%t", accept, k, out[k].IsSecret())
			}
		}
	}
}

func TestImportTakesThePasswordAsID(t *testing.T) {
	ctx := context.Background()
	c := serve(t, newProvider("0.0.0-dev", nil))
	configure(t, c, true)
	const imported = "An-Existing-Passw0rd"
	read, err := c.Read(ctx, &pulumirpc.ReadRequest{Id: imported, Urn: testURN})
	if err != nil {
		t.Fatal(err)
	}
	state, inputs := fromWire(t, read.Properties), fromWire(t, read.Inputs)
	if read.Id != "none" || secretString(t, state, keyResult) != imported {
		t.Fatalf("import: id %q, state %v", read.Id, state.Mappable())
	}
	if inputs["length"].NumberValue() != float64(len(imported)) || !inputs["numeric"].BoolValue() || !inputs["number"].BoolValue() {
		t.Errorf("imported inputs %v, want length %d and upstream's defaults", inputs, len(imported))
	}
	if err := bcrypt.CompareHashAndPassword([]byte(secretString(t, state, keyBcryptHash)), []byte(imported)); err != nil {
		t.Errorf("imported bcryptHash does not verify: %v", err)
	}
	// The engine then checks and diffs the imported inputs; a program with the same inputs must not replace.
	check, err := c.Check(ctx, &pulumirpc.CheckRequest{Urn: testURN, Olds: read.Inputs,
		News: toWire(t, props(map[string]any{"length": len(imported)}))})
	if err != nil || len(check.Failures) != 0 {
		t.Fatalf("Check of imported inputs = %v, %v", check, err)
	}
	diff, err := c.Diff(ctx, &pulumirpc.DiffRequest{Id: read.Id, Urn: testURN, Olds: read.Properties,
		OldInputs: read.Inputs, News: check.Inputs})
	if err != nil || diff.Changes != pulumirpc.DiffResponse_DIFF_NONE {
		t.Errorf("Diff after import = %v, %v; want DIFF_NONE", diff, err)
	}

	if _, err := c.Read(ctx, &pulumirpc.ReadRequest{Urn: testURN}); status.Code(err) != codes.InvalidArgument {
		t.Errorf("import with an empty ID: %v, want InvalidArgument", err)
	}
}

func TestOtherResourceTypesAreRefused(t *testing.T) {
	c := serve(t, newProvider("0.0.0-dev", nil))
	urn := "urn:pulumi:dev::p::random:index/randomString:RandomString::s"
	_, err := c.Check(context.Background(), &pulumirpc.CheckRequest{Urn: urn, News: toWire(t, props(map[string]any{"length": 8}))})
	if status.Code(err) != codes.InvalidArgument || !strings.Contains(err.Error(), "random:index/randomString:RandomString") {
		t.Errorf("Check of RandomString = %v, want InvalidArgument naming the type", err)
	}
}

func TestConfigNeverReplaces(t *testing.T) {
	c := serve(t, newProvider("0.0.0-dev", nil))
	cfg := toWire(t, props(map[string]any{"version": "4.21.2"}))
	check, err := c.CheckConfig(context.Background(), &pulumirpc.CheckRequest{News: cfg})
	if err != nil || len(check.Failures) != 0 {
		t.Errorf("CheckConfig = %v, %v", check, err)
	}
	diff, err := c.DiffConfig(context.Background(), &pulumirpc.DiffRequest{Olds: cfg, News: toWire(t, props(map[string]any{"version": "4.22.0"}))})
	if err != nil || diff.Changes != pulumirpc.DiffResponse_DIFF_NONE {
		t.Errorf("DiffConfig = %v, %v", diff, err)
	}
}

// The schema must bind with the engine's own schema binder (which validates the metaschema too).
func TestSchemaBinds(t *testing.T) {
	c := serve(t, newProvider("4.21.2", nil))
	resp, err := c.GetSchema(context.Background(), &pulumirpc.GetSchemaRequest{})
	if err != nil {
		t.Fatal(err)
	}
	var spec schema.PackageSpec
	if err := json.Unmarshal([]byte(resp.Schema), &spec); err != nil {
		t.Fatal(err)
	}
	pkg, diags, err := schema.BindSpec(spec, nil, schema.ValidationOptions{})
	if err != nil || diags.HasErrors() {
		t.Fatalf("BindSpec: %v %v", err, diags)
	}
	res, ok := pkg.GetResource(passwordToken)
	if !ok {
		t.Fatalf("schema has no %s", passwordToken)
	}
	for _, p := range res.Properties {
		if secret := p.Secret; secret != (p.Name == "result" || p.Name == "bcryptHash") {
			t.Errorf("property %s secret=%t", p.Name, secret)
		}
	}
	if len(res.InputProperties) != len(inputKeys) || pkg.Version.String() != "4.21.2" {
		t.Errorf("%d input properties (want %d), version %v", len(res.InputProperties), len(inputKeys), pkg.Version)
	}
}
