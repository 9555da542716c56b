package main

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"strings"
	"sync/atomic"
	"unicode/utf8"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/structpb"
)

// passwordID is upstream's id for every random_password: the id carries no information, and the
// password must not become the id (ids are printed and stored in plain text).
const passwordID = "none"

// logFunc receives the provider's only log lines: what happened and sizes, never values.
type logFunc func(ctx context.Context, urn resource.URN, msg string)

type randomProvider struct {
	pulumirpc.UnimplementedResourceProviderServer

	version string
	log     logFunc
	rnd     io.Reader // crypto/rand.Reader; tests substitute failing readers
	// Set by Configure: an engine that does not accept secrets gets plain values, which is what
	// it would do with them anyway (@pulumi/random's additionalSecretOutputs re-marks them).
	acceptSecrets atomic.Bool
}

func newProvider(version string, log logFunc) *randomProvider {
	if log == nil {
		log = func(context.Context, resource.URN, string) {}
	}
	return &randomProvider{version: version, log: log, rnd: rand.Reader}
}

func (p *randomProvider) toStruct(m resource.PropertyMap) (*structpb.Struct, error) {
	return marshalMap(m, p.acceptSecrets.Load())
}

// checkType refuses every other @pulumi/random resource by name rather than mishandling it.
func checkType(typ, urn string) error {
	if typ == "" && urn != "" {
		typ = string(resource.URN(urn).Type())
	}
	if typ != passwordToken {
		return status.Errorf(codes.InvalidArgument,
			"this random provider (the project's own, providers/random) implements only %s, not %s",
			passwordToken, typ)
	}
	return nil
}

func (p *randomProvider) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: p.version}, nil
}

func (p *randomProvider) GetSchema(context.Context, *pulumirpc.GetSchemaRequest) (*pulumirpc.GetSchemaResponse, error) {
	s, err := schemaJSON(p.version)
	if err != nil {
		return nil, err
	}
	return &pulumirpc.GetSchemaResponse{Schema: s}, nil
}

// The provider has no configuration: whatever the engine sends (its version, for one) is fine
// and never a reason to replace passwords.
func (p *randomProvider) CheckConfig(_ context.Context, req *pulumirpc.CheckRequest) (*pulumirpc.CheckResponse, error) {
	return &pulumirpc.CheckResponse{Inputs: req.GetNews()}, nil
}

func (p *randomProvider) DiffConfig(context.Context, *pulumirpc.DiffRequest) (*pulumirpc.DiffResponse, error) {
	return &pulumirpc.DiffResponse{Changes: pulumirpc.DiffResponse_DIFF_NONE}, nil
}

func (p *randomProvider) Configure(_ context.Context, req *pulumirpc.ConfigureRequest) (*pulumirpc.ConfigureResponse, error) {
	p.acceptSecrets.Store(req.GetAcceptSecrets())
	return &pulumirpc.ConfigureResponse{AcceptSecrets: true, SupportsPreview: true}, nil
}

func (p *randomProvider) Check(ctx context.Context, req *pulumirpc.CheckRequest) (*pulumirpc.CheckResponse, error) {
	if err := checkType(req.GetType(), req.GetUrn()); err != nil {
		return nil, err
	}
	news, err := unmarshalMap(req.GetNews())
	if err != nil {
		return nil, err
	}
	checked, errs := checkInputs(news)
	inputs, err := p.toStruct(checked)
	if err != nil {
		return nil, err
	}
	resp := &pulumirpc.CheckResponse{Inputs: inputs}
	for _, e := range errs {
		resp.Failures = append(resp.Failures, &pulumirpc.CheckFailure{Property: e.Property, Reason: e.Reason})
	}
	if len(errs) > 0 {
		p.log(ctx, resource.URN(req.GetUrn()), fmt.Sprintf("Check: %d invalid input(s)", len(errs)))
	}
	return resp, nil
}

// Diff replaces on every input change: a password is a value, not a thing that can be edited,
// and upstream marks every input RequiresReplace. Create-before-delete is fine (nothing external).
func (p *randomProvider) Diff(ctx context.Context, req *pulumirpc.DiffRequest) (*pulumirpc.DiffResponse, error) {
	if err := checkType(req.GetType(), req.GetUrn()); err != nil {
		return nil, err
	}
	// Old inputs when the engine sends them; otherwise the state, which holds every input too.
	oldStruct := req.GetOldInputs()
	if len(oldStruct.GetFields()) == 0 {
		oldStruct = req.GetOlds()
	}
	olds, err := unmarshalMap(oldStruct)
	if err != nil {
		return nil, err
	}
	news, err := unmarshalMap(req.GetNews())
	if err != nil {
		return nil, err
	}
	changed := changedInputs(olds, news, req.GetIgnoreChanges())
	if len(changed) == 0 {
		return &pulumirpc.DiffResponse{Changes: pulumirpc.DiffResponse_DIFF_NONE, HasDetailedDiff: true}, nil
	}
	resp := &pulumirpc.DiffResponse{
		Changes:         pulumirpc.DiffResponse_DIFF_SOME,
		DetailedDiff:    map[string]*pulumirpc.PropertyDiff{},
		HasDetailedDiff: true,
	}
	for _, k := range changed {
		kind := pulumirpc.PropertyDiff_UPDATE_REPLACE
		if normalized(olds, k).IsNull() {
			kind = pulumirpc.PropertyDiff_ADD_REPLACE
		} else if normalized(news, k).IsNull() {
			kind = pulumirpc.PropertyDiff_DELETE_REPLACE
		}
		resp.Replaces = append(resp.Replaces, string(k))
		resp.Diffs = append(resp.Diffs, string(k))
		resp.DetailedDiff[string(k)] = &pulumirpc.PropertyDiff{Kind: kind, InputDiff: true}
	}
	p.log(ctx, resource.URN(req.GetUrn()), "Diff: replace, changed inputs: "+strings.Join(resp.Replaces, ", "))
	return resp, nil
}

func (p *randomProvider) Create(ctx context.Context, req *pulumirpc.CreateRequest) (*pulumirpc.CreateResponse, error) {
	if err := checkType(req.GetType(), req.GetUrn()); err != nil {
		return nil, err
	}
	inputs, err := unmarshalMap(req.GetProperties())
	if err != nil {
		return nil, err
	}
	outputs := resource.PropertyMap{}
	for _, k := range inputKeys {
		if v, ok := inputs[k]; ok {
			outputs[k] = v
		}
	}
	if req.GetPreview() {
		unknown := resource.MakeSecret(resource.MakeComputed(resource.NewStringProperty("")))
		outputs[keyResult], outputs[keyBcryptHash] = unknown, unknown
		props, err := p.toStruct(outputs)
		return &pulumirpc.CreateResponse{Properties: props}, err
	}

	spec, known := specFromInputs(inputs)
	if !known {
		return nil, status.Error(codes.InvalidArgument, "RandomPassword: inputs are still unknown outside preview")
	}
	if errs := spec.validate(); len(errs) > 0 {
		reasons := make([]string, len(errs))
		for i, e := range errs {
			reasons[i] = e.Reason
		}
		return nil, status.Error(codes.InvalidArgument, "RandomPassword: "+strings.Join(reasons, "; "))
	}
	password, err := generatePassword(spec, p.rnd)
	if err != nil {
		return nil, status.Errorf(codes.Internal, "RandomPassword: generating the password: %v", err)
	}
	hash, err := hashPassword(password)
	if err != nil {
		return nil, status.Errorf(codes.Internal, "RandomPassword: %v", err)
	}
	outputs[keyResult] = resource.MakeSecret(resource.NewStringProperty(password))
	outputs[keyBcryptHash] = resource.MakeSecret(resource.NewStringProperty(hash))
	props, err := p.toStruct(outputs)
	if err != nil {
		return nil, err
	}
	p.log(ctx, resource.URN(req.GetUrn()), fmt.Sprintf("Create: generated a password of %d characters", spec.Length))
	return &pulumirpc.CreateResponse{Id: passwordID, Properties: props}, nil
}

// Read serves refresh (state given: nothing outside the state to compare with, so it is returned
// unchanged) and import, where, as upstream does, the import ID is the password itself.
func (p *randomProvider) Read(ctx context.Context, req *pulumirpc.ReadRequest) (*pulumirpc.ReadResponse, error) {
	if err := checkType(req.GetType(), req.GetUrn()); err != nil {
		return nil, err
	}
	state, err := unmarshalMap(req.GetProperties())
	if err != nil {
		return nil, err
	}
	inputs, err := unmarshalMap(req.GetInputs())
	if err != nil {
		return nil, err
	}
	id := req.GetId()
	if _, refresh := state[keyResult]; refresh {
		if len(inputs) == 0 {
			for _, k := range inputKeys {
				if v, ok := state[k]; ok {
					inputs[k] = v
				}
			}
		}
	} else {
		if id == "" {
			return nil, status.Error(codes.InvalidArgument,
				"RandomPassword import: the import ID must be the password to import (it is empty)")
		}
		state, inputs, err = importedState(id)
		if err != nil {
			return nil, status.Errorf(codes.Internal, "RandomPassword import: %v", err)
		}
		id = passwordID
		p.log(ctx, resource.URN(req.GetUrn()), fmt.Sprintf("Read: imported a password of %d characters",
			utf8.RuneCountInString(req.GetId())))
	}
	// State written while the engine did not accept secrets has plain values; mark them again.
	for _, k := range []resource.PropertyKey{keyResult, keyBcryptHash} {
		if v, ok := state[k]; ok && !v.IsSecret() {
			state[k] = resource.MakeSecret(v)
		}
	}
	props, err := p.toStruct(state)
	if err != nil {
		return nil, err
	}
	ins, err := p.toStruct(inputs)
	if err != nil {
		return nil, err
	}
	return &pulumirpc.ReadResponse{Id: id, Properties: props, Inputs: ins}, nil
}

// importedState mirrors upstream's ImportState: the password as result, length its character
// count, every flag true, every min 0 (the inputs that would have generated such a password).
func importedState(password string) (state, inputs resource.PropertyMap, err error) {
	hash, err := hashPassword(password)
	if err != nil {
		return nil, nil, err
	}
	inputs = resource.PropertyMap{keyLength: resource.NewNumberProperty(float64(utf8.RuneCountInString(password)))}
	for _, k := range boolKeys {
		inputs[k] = resource.NewBoolProperty(true)
	}
	for _, k := range minKeys {
		inputs[k] = resource.NewNumberProperty(0)
	}
	state = inputs.Copy()
	state[keyResult] = resource.MakeSecret(resource.NewStringProperty(password))
	state[keyBcryptHash] = resource.MakeSecret(resource.NewStringProperty(hash))
	return state, inputs, nil
}

func (p *randomProvider) Update(_ context.Context, req *pulumirpc.UpdateRequest) (*pulumirpc.UpdateResponse, error) {
	return nil, status.Errorf(codes.FailedPrecondition,
		"RandomPassword has no in-place update: Diff replaces it on every input change, so Update "+
			"should never be called (resource %s); this is a bug in the engine or in this provider", req.GetUrn())
}

// Delete has nothing to do: the password exists only in Pulumi's state.
func (p *randomProvider) Delete(ctx context.Context, req *pulumirpc.DeleteRequest) (*emptypb.Empty, error) {
	if err := checkType(req.GetType(), req.GetUrn()); err != nil {
		return nil, err
	}
	p.log(ctx, resource.URN(req.GetUrn()), "Delete: nothing to clean up")
	return &emptypb.Empty{}, nil
}

func (p *randomProvider) Cancel(context.Context, *emptypb.Empty) (*emptypb.Empty, error) {
	return &emptypb.Empty{}, nil
}
