package main

import (
	"fmt"
	"math"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// The inputs @pulumi/random 4.21.2 sends for RandomPassword, and its two outputs.
const (
	keyKeepers         resource.PropertyKey = "keepers"
	keyLength          resource.PropertyKey = "length"
	keyLower           resource.PropertyKey = "lower"
	keyMinLower        resource.PropertyKey = "minLower"
	keyMinNumeric      resource.PropertyKey = "minNumeric"
	keyMinSpecial      resource.PropertyKey = "minSpecial"
	keyMinUpper        resource.PropertyKey = "minUpper"
	keyNumber          resource.PropertyKey = "number"
	keyNumeric         resource.PropertyKey = "numeric"
	keyOverrideSpecial resource.PropertyKey = "overrideSpecial"
	keySpecial         resource.PropertyKey = "special"
	keyUpper           resource.PropertyKey = "upper"

	keyResult     resource.PropertyKey = "result"
	keyBcryptHash resource.PropertyKey = "bcryptHash"
)

var (
	boolKeys   = []resource.PropertyKey{keyLower, keyUpper, keyNumeric, keyNumber, keySpecial}
	minKeys    = []resource.PropertyKey{keyMinLower, keyMinUpper, keyMinNumeric, keyMinSpecial}
	numberKeys = append([]resource.PropertyKey{keyLength}, minKeys...)
	inputKeys  = []resource.PropertyKey{keyKeepers, keyLength, keyLower, keyMinLower, keyMinNumeric,
		keyMinSpecial, keyMinUpper, keyNumber, keyNumeric, keyOverrideSpecial, keySpecial, keyUpper}
)

func isInputKey(k resource.PropertyKey) bool {
	for _, ik := range inputKeys {
		if ik == k {
			return true
		}
	}
	return false
}

// plain drops secret wrappers (deeply): validation and diffs look at values; secretness is kept
// on the maps we hand back to the engine.
func plain(v resource.PropertyValue) resource.PropertyValue {
	switch {
	case v.IsSecret():
		return plain(v.SecretValue().Element)
	case v.IsObject():
		m := resource.PropertyMap{}
		for k, e := range v.ObjectValue() {
			m[k] = plain(e)
		}
		return resource.NewObjectProperty(m)
	case v.IsArray():
		a := make([]resource.PropertyValue, len(v.ArrayValue()))
		for i, e := range v.ArrayValue() {
			a[i] = plain(e)
		}
		return resource.NewArrayProperty(a)
	}
	return v
}

// present treats null like absent, as the SDK does for `undefined` inputs.
func present(m resource.PropertyMap, k resource.PropertyKey) (resource.PropertyValue, bool) {
	v, ok := m[k]
	if !ok || plain(v).IsNull() {
		return resource.PropertyValue{}, false
	}
	return plain(v), true
}

// checkInputs validates news and returns them with upstream's defaults applied, the form Create,
// Diff and the state keep. Unknown values (preview) pass through; what depends on them is checked
// once they are known.
func checkInputs(news resource.PropertyMap) (resource.PropertyMap, []fieldError) {
	var errs []fieldError
	fail := func(k resource.PropertyKey, format string, args ...any) {
		errs = append(errs, fieldError{string(k), fmt.Sprintf(format, args...)})
	}
	out := news.Copy()

	for _, k := range news.StableKeys() {
		// "__"-keys are the engine's bookkeeping (e.g. __defaults in older bridged state).
		if !isInputKey(k) && !strings.HasPrefix(string(k), "__") {
			fail(k, "%s is not an input of RandomPassword; the inputs are %s", k, inputKeyList())
		}
	}
	for _, k := range boolKeys {
		if v, ok := present(news, k); ok && !v.IsComputed() && !v.IsBool() {
			fail(k, "%s is %s; it must be true or false", k, describe(news[k]))
		}
	}
	for _, k := range numberKeys {
		v, ok := present(news, k)
		switch {
		case !ok || v.IsComputed():
		case !v.IsNumber() || v.NumberValue() != math.Trunc(v.NumberValue()):
			fail(k, "%s is %s; it must be a whole number", k, describe(news[k]))
		case math.Abs(v.NumberValue()) > math.MaxInt32:
			fail(k, "%s is %s; it must be a whole number no larger than %d", k, describe(news[k]), math.MaxInt32)
		}
	}
	if v, ok := present(news, keyOverrideSpecial); ok && !v.IsComputed() && !v.IsString() {
		fail(keyOverrideSpecial, "overrideSpecial is %s; it must be a string of characters", describe(news[keyOverrideSpecial]))
	}
	if v, ok := present(news, keyKeepers); ok && !v.IsComputed() {
		if !v.IsObject() {
			fail(keyKeepers, "keepers is %s; it must be a map of strings", describe(news[keyKeepers]))
		} else {
			for _, kk := range v.ObjectValue().StableKeys() {
				e := v.ObjectValue()[kk]
				if e.IsObject() || e.IsArray() || e.IsAsset() || e.IsArchive() || e.IsResourceReference() {
					fail(keyKeepers, "keepers.%s is a value of type %s; keeper values must be strings", kk, e.TypeString())
				}
			}
		}
	}
	if _, ok := present(news, keyLength); !ok {
		fail(keyLength, "length is required: the number of characters in the password, at least 1")
	}
	if len(errs) > 0 {
		return out, errs
	}

	for _, k := range []resource.PropertyKey{keyLower, keyUpper, keySpecial} {
		if _, ok := present(out, k); !ok {
			out[k] = resource.NewBoolProperty(true)
		}
	}
	for _, k := range minKeys {
		if _, ok := present(out, k); !ok {
			out[k] = resource.NewNumberProperty(0)
		}
	}
	errs = append(errs, mirrorNumeric(out)...)

	if spec, known := specFromInputs(out); known {
		errs = append(errs, spec.validate()...)
	} else {
		// Check what is known now; the rest is checked again when Create sees known values.
		if v, ok := present(out, keyLength); ok && v.IsNumber() {
			if e := lengthError(int(v.NumberValue())); e != nil {
				errs = append(errs, *e)
			}
		}
		for _, k := range minKeys {
			if v, ok := present(out, k); ok && v.IsNumber() {
				if e := minError(string(k), int(v.NumberValue())); e != nil {
					errs = append(errs, *e)
				}
			}
		}
	}
	return out, errs
}

// mirrorNumeric keeps number (deprecated) and numeric equal, as upstream's plan modifier does:
// both default to true, one given is copied to the other, two different values are an error.
func mirrorNumeric(m resource.PropertyMap) []fieldError {
	number, hasNumber := present(m, keyNumber)
	numeric, hasNumeric := present(m, keyNumeric)
	switch {
	case !hasNumber && !hasNumeric:
		m[keyNumber], m[keyNumeric] = resource.NewBoolProperty(true), resource.NewBoolProperty(true)
	case !hasNumber:
		m[keyNumber] = m[keyNumeric]
	case !hasNumeric:
		m[keyNumeric] = m[keyNumber]
	case number.IsBool() && numeric.IsBool() && number.BoolValue() != numeric.BoolValue():
		return []fieldError{{string(keyNumber), fmt.Sprintf(
			"number is %t but numeric is %t; number is the deprecated alias of numeric: set only numeric",
			number.BoolValue(), numeric.BoolValue())}}
	}
	return nil
}

// specFromInputs reads checked inputs; known is false while any of them is still unknown.
func specFromInputs(m resource.PropertyMap) (spec passwordSpec, known bool) {
	for _, k := range inputKeys {
		if k != keyKeepers && plain(m[k]).ContainsUnknowns() {
			return passwordSpec{}, false
		}
	}
	num := func(k resource.PropertyKey) int {
		if v, ok := present(m, k); ok && v.IsNumber() {
			return int(v.NumberValue())
		}
		return 0
	}
	flag := func(k resource.PropertyKey) bool {
		v, ok := present(m, k)
		return !ok || (v.IsBool() && v.BoolValue())
	}
	spec = passwordSpec{
		Length: num(keyLength), MinLower: num(keyMinLower), MinUpper: num(keyMinUpper),
		MinNumeric: num(keyMinNumeric), MinSpecial: num(keyMinSpecial),
		Lower: flag(keyLower), Upper: flag(keyUpper), Numeric: flag(keyNumeric), Special: flag(keySpecial),
	}
	if v, ok := present(m, keyOverrideSpecial); ok && v.IsString() {
		spec.OverrideSpecial = v.StringValue()
	}
	return spec, true
}

// changedInputs lists the inputs whose value differs between olds and news, in inputKeys order
// (alphabetical). Two upstream
// leniencies are kept so state written one way never forces a new password when read another:
// overrideSpecial "" equals unset, and keepers entries that are null equal absent ones.
func changedInputs(olds, news resource.PropertyMap, ignore []string) []resource.PropertyKey {
	ignored := map[string]bool{}
	for _, k := range ignore {
		ignored[k] = true
	}
	var changed []resource.PropertyKey
	for _, k := range inputKeys {
		if ignored[string(k)] {
			continue
		}
		o, n := normalized(olds, k), normalized(news, k)
		if n.ContainsUnknowns() || !o.DeepEquals(n) {
			changed = append(changed, k)
		}
	}
	return changed
}

func normalized(m resource.PropertyMap, k resource.PropertyKey) resource.PropertyValue {
	v, ok := present(m, k)
	if !ok {
		return resource.NewNullProperty()
	}
	switch {
	case k == keyOverrideSpecial && v.IsString() && v.StringValue() == "":
		return resource.NewNullProperty()
	case k == keyKeepers && v.IsObject():
		keep := resource.PropertyMap{}
		for kk, e := range v.ObjectValue() {
			if !e.IsNull() {
				keep[kk] = e
			}
		}
		if len(keep) == 0 {
			return resource.NewNullProperty()
		}
		return resource.NewObjectProperty(keep)
	}
	return v
}

// describe names what was sent: the value for plain scalars, only the type for secrets, so a
// secret input never lands in an error message.
func describe(v resource.PropertyValue) string {
	switch {
	case v.IsSecret():
		return "a secret " + plain(v).TypeString()
	case v.IsString():
		return fmt.Sprintf("the string %q", v.StringValue())
	case v.IsNumber():
		return fmt.Sprintf("%v", v.NumberValue())
	case v.IsBool():
		return fmt.Sprintf("%t", v.BoolValue())
	}
	return "a value of type " + string(v.TypeString())
}

func inputKeyList() string {
	names := make([]string, len(inputKeys))
	for i, k := range inputKeys {
		names[i] = string(k)
	}
	return strings.Join(names, ", ")
}
