package main

import (
	"reflect"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

func props(m map[string]any) resource.PropertyMap { return resource.NewPropertyMapFromMap(m) }

func failureFor(errs []fieldError, property string) (fieldError, bool) {
	for _, e := range errs {
		if e.Property == property {
			return e, true
		}
	}
	return fieldError{}, false
}

func TestCheckAppliesUpstreamDefaults(t *testing.T) {
	out, errs := checkInputs(props(map[string]any{"length": 16}))
	if len(errs) != 0 {
		t.Fatalf("unexpected failures %+v", errs)
	}
	want := props(map[string]any{"length": 16, "lower": true, "upper": true, "numeric": true, "number": true,
		"special": true, "minLower": 0, "minUpper": 0, "minNumeric": 0, "minSpecial": 0})
	if !out.DeepEquals(want) {
		t.Errorf("checked inputs = %v, want %v", out, want)
	}
}

func TestCheckKeepsGivenValues(t *testing.T) {
	in := props(map[string]any{"length": 20, "special": false, "minUpper": 2, "overrideSpecial": "_",
		"keepers": map[string]any{"rotation": "2024-01"}})
	out, errs := checkInputs(in)
	if len(errs) != 0 {
		t.Fatalf("unexpected failures %+v", errs)
	}
	for k, v := range in {
		if !out[k].DeepEquals(v) {
			t.Errorf("%s: got %v, want %v", k, out[k], v)
		}
	}
}

func TestNumericNumberConsistency(t *testing.T) {
	cases := []struct {
		name         string
		in           map[string]any
		number, want bool
	}{
		{"neither given", map[string]any{}, true, true},
		{"only numeric=false", map[string]any{"numeric": false}, false, false},
		{"only number=false (deprecated alias)", map[string]any{"number": false}, false, false},
		{"both true", map[string]any{"number": true, "numeric": true}, true, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.in["length"] = 10
			out, errs := checkInputs(props(c.in))
			if len(errs) != 0 {
				t.Fatalf("unexpected failures %+v", errs)
			}
			if out["number"].BoolValue() != c.number || out["numeric"].BoolValue() != c.want {
				t.Errorf("number=%v numeric=%v, want %v/%v", out["number"], out["numeric"], c.number, c.want)
			}
			spec, _ := specFromInputs(out)
			if spec.Numeric != c.want {
				t.Errorf("generation would use numeric=%t, want %t", spec.Numeric, c.want)
			}
		})
	}
	_, errs := checkInputs(props(map[string]any{"length": 10, "number": true, "numeric": false}))
	want := "number is true but numeric is false; number is the deprecated alias of numeric: set only numeric"
	if e, ok := failureFor(errs, "number"); !ok || e.Reason != want {
		t.Errorf("conflicting number/numeric: failures %+v, want number: %q", errs, want)
	}
}

func TestCheckRejectsBadInputs(t *testing.T) {
	cases := []struct {
		name     string
		in       map[string]any
		property string
		reason   string
	}{
		{"length missing", map[string]any{}, "length",
			"length is required: the number of characters in the password, at least 1"},
		{"length 0", map[string]any{"length": 0}, "length", "length is 0; it must be at least 1"},
		{"length negative", map[string]any{"length": -4}, "length", "length is -4; it must be at least 1"},
		{"length fractional", map[string]any{"length": 3.5}, "length", "length is 3.5; it must be a whole number"},
		{"length a string", map[string]any{"length": "16"}, "length", `length is the string "16"; it must be a whole number`},
		{"length below sum of mins", map[string]any{"length": 4, "minLower": 2, "minUpper": 2, "minNumeric": 1},
			"length", "length is 4 but must be at least minUpper + minLower + minNumeric + minSpecial = 2 + 2 + 1 + 0 = 5"},
		{"min negative", map[string]any{"length": 8, "minNumeric": -1}, "minNumeric", "minNumeric is -1; it must be 0 or more"},
		{"flag not a bool", map[string]any{"length": 8, "upper": "yes"}, "upper", `upper is the string "yes"; it must be true or false`},
		{"all classes off", map[string]any{"length": 8, "lower": false, "upper": false, "numeric": false, "special": false},
			"", "lower, upper, numeric and special are all false; at least one of them must be true"},
		// Upstream misses this one (number=false turns numeric off) and then fails at create.
		{"all classes off via number", map[string]any{"length": 8, "lower": false, "upper": false, "number": false, "special": false},
			"", "lower, upper, numeric and special are all false; at least one of them must be true"},
		{"unknown property", map[string]any{"length": 8, "lenght": 9}, "lenght",
			"lenght is not an input of RandomPassword; the inputs are keepers, length, lower, minLower, minNumeric, " +
				"minSpecial, minUpper, number, numeric, overrideSpecial, special, upper"},
		{"keepers not a map", map[string]any{"length": 8, "keepers": "x"}, "keepers", `keepers is the string "x"; it must be a map of strings`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, errs := checkInputs(props(c.in))
			if e, ok := failureFor(errs, c.property); !ok || e.Reason != c.reason {
				t.Errorf("failures %+v, want %q: %q", errs, c.property, c.reason)
			}
		})
	}
}

func TestCheckNeverEchoesSecretInputs(t *testing.T) {
	in := props(map[string]any{"length": 8})
	in["upper"] = resource.MakeSecret(resource.NewStringProperty("s3cret-value"))
	_, errs := checkInputs(in)
	e, ok := failureFor(errs, "upper")
	if !ok || strings.Contains(e.Reason, "s3cret-value") || !strings.Contains(e.Reason, "a secret string") {
		t.Errorf("failure for a secret input = %+v", errs)
	}
}

// Preview: values from other resources are unknown; Check must pass them through and check the rest.
func TestCheckWithUnknowns(t *testing.T) {
	unknown := resource.MakeComputed(resource.NewStringProperty(""))
	in := props(map[string]any{"minLower": -1})
	in["length"] = unknown
	in["keepers"] = unknown
	out, errs := checkInputs(in)
	if len(errs) != 1 || errs[0].Property != "minLower" {
		t.Errorf("failures %+v, want only minLower", errs)
	}
	if !out["length"].IsComputed() || !out["keepers"].IsComputed() {
		t.Errorf("unknowns not passed through: %v", out)
	}
	if _, known := specFromInputs(out); known {
		t.Errorf("spec reported known with an unknown length")
	}
}

func TestChangedInputs(t *testing.T) {
	base, _ := checkInputs(props(map[string]any{"length": 16, "keepers": map[string]any{"a": "1"}}))
	if got := changedInputs(base, base.Copy(), nil); len(got) != 0 {
		t.Errorf("same inputs: changed %v", got)
	}
	with := func(k string, v any) resource.PropertyMap { return withValue(base, k, v) }
	cases := map[string]resource.PropertyMap{
		"keepers":         with("keepers", map[string]any{"a": "2"}),
		"length":          with("length", 17),
		"lower":           with("lower", false),
		"upper":           with("upper", false),
		"special":         with("special", false),
		"numeric":         with("numeric", false),
		"number":          with("number", false),
		"minLower":        with("minLower", 1),
		"minUpper":        with("minUpper", 1),
		"minNumeric":      with("minNumeric", 1),
		"minSpecial":      with("minSpecial", 1),
		"overrideSpecial": with("overrideSpecial", "_"),
	}
	for key, news := range cases {
		if got := changedInputs(base, news, nil); !reflect.DeepEqual(got, []resource.PropertyKey{resource.PropertyKey(key)}) {
			t.Errorf("change of %s: changed %v", key, got)
		}
	}
	if got := changedInputs(base, with("keepers", nil), nil); len(got) != 1 || got[0] != "keepers" {
		t.Errorf("keepers removed: changed %v", got)
	}
	if got := changedInputs(base, with("keepers", map[string]any{"a": "1", "b": "x"}), nil); len(got) != 1 {
		t.Errorf("keeper added: changed %v", got)
	}
}

func TestChangedInputsLeniencies(t *testing.T) {
	base, _ := checkInputs(props(map[string]any{"length": 16}))
	secretKeepers := base.Copy()
	secretKeepers["keepers"] = resource.MakeSecret(resource.NewObjectProperty(props(map[string]any{"a": "1"})))
	plainKeepers := base.Copy()
	plainKeepers["keepers"] = resource.NewObjectProperty(props(map[string]any{"a": "1"}))
	emptyOverride := base.Copy()
	emptyOverride["overrideSpecial"] = resource.NewStringProperty("")
	nullKeeper := base.Copy()
	nullKeeper["keepers"] = resource.NewObjectProperty(resource.PropertyMap{"a": resource.NewNullProperty()})
	for name, pair := range map[string][2]resource.PropertyMap{
		"keepers made secret":        {plainKeepers, secretKeepers},
		"overrideSpecial \"\"→unset": {emptyOverride, base},
		"keepers of nulls→unset":     {nullKeeper, base},
	} {
		if got := changedInputs(pair[0], pair[1], nil); len(got) != 0 {
			t.Errorf("%s: changed %v, want none", name, got)
		}
	}
	unknown := base.Copy()
	unknown["keepers"] = resource.MakeComputed(resource.NewStringProperty(""))
	if got := changedInputs(plainKeepers, unknown, nil); len(got) != 1 || got[0] != "keepers" {
		t.Errorf("unknown keepers must count as a change, got %v", got)
	}
	if got := changedInputs(base, withValue(base, "length", 8), []string{"length"}); len(got) != 0 {
		t.Errorf("ignoreChanges length: changed %v", got)
	}
}

// withValue is a copy of m with k set to v, or removed when v is nil.
func withValue(m resource.PropertyMap, k string, v any) resource.PropertyMap {
	c := m.Copy()
	if v == nil {
		delete(c, resource.PropertyKey(k))
	} else {
		c[resource.PropertyKey(k)] = resource.NewPropertyValue(v)
	}
	return c
}
