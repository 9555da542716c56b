package main

import "encoding/json"

const passwordToken = "random:index/randomPassword:RandomPassword"

type propSpec struct {
	Type                 string    `json:"type"`
	Description          string    `json:"description,omitempty"`
	Secret               bool      `json:"secret,omitempty"`
	DeprecationMessage   string    `json:"deprecationMessage,omitempty"`
	AdditionalProperties *propSpec `json:"additionalProperties,omitempty"`
}

// schemaJSON describes only RandomPassword, the one resource this provider implements; the
// descriptions follow @pulumi/random 4.21.2 so `pulumi` tooling shows the same help.
func schemaJSON(version string) (string, error) {
	inputs := map[string]propSpec{
		"keepers": {Type: "object", AdditionalProperties: &propSpec{Type: "string"},
			Description: "Arbitrary map of values that, when changed, will trigger recreation of resource."},
		"length": {Type: "integer", Description: "The length of the password desired. The minimum value for " +
			"length is 1 and, length must also be >= (`minUpper` + `minLower` + `minNumeric` + `minSpecial`)."},
		"lower":      {Type: "boolean", Description: "Include lowercase alphabet characters in the result. Default value is `true`."},
		"minLower":   {Type: "integer", Description: "Minimum number of lowercase alphabet characters in the result. Default value is `0`."},
		"minNumeric": {Type: "integer", Description: "Minimum number of numeric characters in the result. Default value is `0`."},
		"minSpecial": {Type: "integer", Description: "Minimum number of special characters in the result. Default value is `0`."},
		"minUpper":   {Type: "integer", Description: "Minimum number of uppercase alphabet characters in the result. Default value is `0`."},
		"number": {Type: "boolean", Description: "Include numeric characters in the result. Default value is `true`.",
			DeprecationMessage: "**NOTE**: This is deprecated, use `numeric` instead."},
		"numeric": {Type: "boolean", Description: "Include numeric characters in the result. Default value is `true`. " +
			"If `numeric`, `upper`, `lower`, and `special` are all configured, at least one of them must be set to `true`."},
		"overrideSpecial": {Type: "string", Description: "Supply your own list of special characters to use for " +
			"password generation. This overrides the default character list in the special argument."},
		"special": {Type: "boolean", Description: "Include special characters in the result. These are " +
			"`" + defaultSpecialChars + "`. Default value is `true`."},
		"upper": {Type: "boolean", Description: "Include uppercase alphabet characters in the result. Default value is `true`."},
	}
	outputs := map[string]propSpec{
		"result":     {Type: "string", Secret: true, Description: "The generated random password."},
		"bcryptHash": {Type: "string", Secret: true, Description: "A bcrypt hash of the generated random password."},
	}
	state := map[string]propSpec{}
	for k, v := range inputs {
		outputs[k] = v
		state[k] = v
	}
	state["result"], state["bcryptHash"] = outputs["result"], outputs["bcryptHash"]

	required := []string{"bcryptHash", "length", "lower", "minLower", "minNumeric", "minSpecial", "minUpper",
		"number", "numeric", "result", "special", "upper"}
	spec := map[string]any{
		"name":        "random",
		"displayName": "random",
		"version":     version,
		"description": "The project's own provider for @pulumi/random's RandomPassword (providers/random).",
		"resources": map[string]any{
			passwordToken: map[string]any{
				"description":     "A random password from a cryptographic random number generator; result is a secret.",
				"properties":      outputs,
				"required":        required,
				"inputProperties": inputs,
				"requiredInputs":  []string{"length"},
				"stateInputs":     map[string]any{"type": "object", "properties": state},
			},
		},
	}
	b, err := json.Marshal(spec)
	return string(b), err
}
