package main

import (
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	"google.golang.org/protobuf/types/known/structpb"
)

// Why not plugin.MarshalProperties/UnmarshalProperties: at -v=9 (which `pulumi up -v=9 --logflow`
// passes on to plugins) they log every property's value, and a secret is (un)marshalled through
// them as an object, so the password would be printed in clear in Create, Read, Diff and Delete.
// Here maps, lists and secrets are walked by hand; only leaf values (strings, numbers, bools,
// nulls, unknowns) and non-secret special objects go to plugin.(Un)MarshalPropertyValue, whose
// paths for those log no values.

var leafOpts = plugin.MarshalOptions{KeepUnknowns: true, KeepSecrets: true}

func unmarshalMap(s *structpb.Struct) (resource.PropertyMap, error) {
	m := resource.PropertyMap{}
	for k, v := range s.GetFields() {
		pv, err := unmarshalValue(v)
		if err != nil {
			return nil, fmt.Errorf("reading property %q: %w", k, err)
		}
		// Null means unset, as for the SDK's `undefined`.
		if !pv.IsNull() {
			m[resource.PropertyKey(k)] = pv
		}
	}
	return m, nil
}

func unmarshalValue(v *structpb.Value) (resource.PropertyValue, error) {
	if v == nil {
		return resource.NewNullProperty(), nil
	}
	switch k := v.GetKind().(type) {
	case *structpb.Value_StructValue:
		fields := k.StructValue.GetFields()
		sig, hasSig := fields[resource.SigKey]
		switch {
		case hasSig && sig.GetStringValue() == resource.SecretSig:
			inner, err := unmarshalValue(fields["value"])
			return resource.MakeSecret(inner), err
		case hasSig:
			return unmarshalLeaf(v)
		}
		m := resource.PropertyMap{}
		for fk, fv := range fields {
			pv, err := unmarshalValue(fv)
			if err != nil {
				return resource.PropertyValue{}, err
			}
			m[resource.PropertyKey(fk)] = pv
		}
		return resource.NewObjectProperty(m), nil
	case *structpb.Value_ListValue:
		var elems []resource.PropertyValue
		for _, e := range k.ListValue.GetValues() {
			pv, err := unmarshalValue(e)
			if err != nil {
				return resource.PropertyValue{}, err
			}
			elems = append(elems, pv)
		}
		return resource.NewArrayProperty(elems), nil
	}
	return unmarshalLeaf(v)
}

func unmarshalLeaf(v *structpb.Value) (resource.PropertyValue, error) {
	pv, err := plugin.UnmarshalPropertyValue("", v, leafOpts)
	if err != nil || pv == nil {
		return resource.NewNullProperty(), err
	}
	return *pv, nil
}

// marshalMap writes secrets as secrets only when the engine accepts them (Configure).
func marshalMap(m resource.PropertyMap, keepSecrets bool) (*structpb.Struct, error) {
	fields := map[string]*structpb.Value{}
	for k, v := range m {
		pv, err := marshalValue(v, keepSecrets)
		if err != nil {
			return nil, fmt.Errorf("writing property %q: %w", k, err)
		}
		fields[string(k)] = pv
	}
	return &structpb.Struct{Fields: fields}, nil
}

func marshalValue(v resource.PropertyValue, keepSecrets bool) (*structpb.Value, error) {
	switch {
	case v.IsSecret():
		inner, err := marshalValue(v.SecretValue().Element, keepSecrets)
		if err != nil || !keepSecrets {
			return inner, err
		}
		return structpb.NewStructValue(&structpb.Struct{Fields: map[string]*structpb.Value{
			resource.SigKey: structpb.NewStringValue(resource.SecretSig),
			"value":         inner,
		}}), nil
	case v.IsObject():
		s, err := marshalMap(v.ObjectValue(), keepSecrets)
		if err != nil {
			return nil, err
		}
		return structpb.NewStructValue(s), nil
	case v.IsArray():
		list := &structpb.ListValue{}
		for _, e := range v.ArrayValue() {
			pv, err := marshalValue(e, keepSecrets)
			if err != nil {
				return nil, err
			}
			list.Values = append(list.Values, pv)
		}
		return structpb.NewListValue(list), nil
	}
	return plugin.MarshalPropertyValue("", v, leafOpts)
}
