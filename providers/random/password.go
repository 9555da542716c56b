package main

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"math/big"

	"golang.org/x/crypto/bcrypt"
)

// The character classes of terraform-provider-random's random_password (which @pulumi/random
// wraps), so a password from this provider has the same shape as one from upstream.
const (
	lowerChars          = "abcdefghijklmnopqrstuvwxyz"
	upperChars          = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	numericChars        = "0123456789"
	defaultSpecialChars = "!@#$%&*()-_=+[]{}<>:?"
)

// bcrypt only ever reads the first 72 bytes, and golang.org/x/crypto now refuses longer input;
// upstream documents bcryptHash as the hash of the first 72 bytes, so hash exactly those.
const bcryptMaxBytes = 72

// passwordSpec holds the inputs after defaults (see applyDefaults in inputs.go).
type passwordSpec struct {
	Length     int
	Lower      bool
	Upper      bool
	Numeric    bool
	Special    bool
	MinLower   int
	MinUpper   int
	MinNumeric int
	MinSpecial int
	// Empty means the default set, as upstream treats "" the same as unset.
	OverrideSpecial string
}

// fieldError becomes one CheckFailure; an empty Property is a combination of properties.
type fieldError struct {
	Property string
	Reason   string
}

func (s passwordSpec) specialChars() string {
	if s.OverrideSpecial != "" {
		return s.OverrideSpecial
	}
	return defaultSpecialChars
}

func lengthError(n int) *fieldError {
	if n >= 1 {
		return nil
	}
	return &fieldError{"length", fmt.Sprintf("length is %d; it must be at least 1", n)}
}

func minError(name string, n int) *fieldError {
	if n >= 0 {
		return nil
	}
	return &fieldError{name, fmt.Sprintf("%s is %d; it must be 0 or more", name, n)}
}

// sumError keeps upstream's rule and order of terms (length >= minUpper + minLower + minNumeric +
// minSpecial); the message carries every term so the fix is obvious without reading the program.
func (s passwordSpec) sumError() *fieldError {
	sum := s.MinUpper + s.MinLower + s.MinNumeric + s.MinSpecial
	if s.Length >= sum {
		return nil
	}
	return &fieldError{"length", fmt.Sprintf(
		"length is %d but must be at least minUpper + minLower + minNumeric + minSpecial = %d + %d + %d + %d = %d",
		s.Length, s.MinUpper, s.MinLower, s.MinNumeric, s.MinSpecial, sum)}
}

// noClassError: upstream rejects all four flags configured false; we check the effective values,
// because upstream's check misses number=false (which turns numeric off) and then fails at create.
func (s passwordSpec) noClassError() *fieldError {
	if s.Lower || s.Upper || s.Numeric || s.Special {
		return nil
	}
	return &fieldError{"", "lower, upper, numeric and special are all false; at least one of them must be true"}
}

// validate returns every problem at once, so one `pulumi preview` shows them all.
func (s passwordSpec) validate() []fieldError {
	var errs []fieldError
	add := func(e *fieldError) {
		if e != nil {
			errs = append(errs, *e)
		}
	}
	add(lengthError(s.Length))
	add(minError("minLower", s.MinLower))
	add(minError("minUpper", s.MinUpper))
	add(minError("minNumeric", s.MinNumeric))
	add(minError("minSpecial", s.MinSpecial))
	if len(errs) == 0 {
		add(s.sumError())
	}
	add(s.noClassError())
	return errs
}

// generatePassword draws from rnd (crypto/rand.Reader outside tests). Like upstream, each min count
// is drawn from its class even when that class's flag is false: the min count wins, so a program
// moved from the upstream provider gets the same kind of password.
func generatePassword(s passwordSpec, rnd io.Reader) (string, error) {
	if errs := s.validate(); len(errs) > 0 {
		return "", errors.New(errs[0].Reason)
	}
	// Runes, not bytes: an overrideSpecial with multi-byte characters must not be cut mid-character,
	// and length then counts characters (as current upstream does).
	special := []rune(s.specialChars())
	var pool []rune
	for _, c := range []struct {
		on  bool
		set []rune
	}{{s.Upper, []rune(upperChars)}, {s.Lower, []rune(lowerChars)}, {s.Numeric, []rune(numericChars)}, {s.Special, special}} {
		if c.on {
			pool = append(pool, c.set...)
		}
	}

	out := make([]rune, 0, s.Length)
	var err error
	for _, m := range []struct {
		set []rune
		n   int
	}{{[]rune(numericChars), s.MinNumeric}, {[]rune(lowerChars), s.MinLower}, {[]rune(upperChars), s.MinUpper}, {special, s.MinSpecial}} {
		if out, err = appendRandom(out, m.set, m.n, rnd); err != nil {
			return "", err
		}
	}
	if out, err = appendRandom(out, pool, s.Length-len(out), rnd); err != nil {
		return "", err
	}
	// The min-count characters were appended first; shuffle so they sit anywhere. Fisher-Yates with
	// crypto/rand, rather than upstream's sort by random keys, which is biased when keys collide.
	for i := len(out) - 1; i > 0; i-- {
		j, err := randIndex(rnd, i+1)
		if err != nil {
			return "", err
		}
		out[i], out[j] = out[j], out[i]
	}
	return string(out), nil
}

func appendRandom(out, set []rune, n int, rnd io.Reader) ([]rune, error) {
	if n > 0 && len(set) == 0 {
		return nil, errors.New("no characters to draw from")
	}
	for ; n > 0; n-- {
		i, err := randIndex(rnd, len(set))
		if err != nil {
			return nil, err
		}
		out = append(out, set[i])
	}
	return out, nil
}

// randIndex is uniform in [0, n): crypto/rand.Int rejects samples rather than taking a modulo.
func randIndex(rnd io.Reader, n int) (int, error) {
	i, err := rand.Int(rnd, big.NewInt(int64(n)))
	if err != nil {
		return 0, fmt.Errorf("reading random bytes: %w", err)
	}
	return int(i.Int64()), nil
}

// hashPassword returns bcrypt (default cost, as upstream) of the password's first 72 bytes.
func hashPassword(password string) (string, error) {
	b := []byte(password)
	if len(b) > bcryptMaxBytes {
		b = b[:bcryptMaxBytes]
	}
	h, err := bcrypt.GenerateFromPassword(b, bcrypt.DefaultCost)
	if err != nil {
		// bcrypt's errors never contain the input; still, say only what failed.
		return "", fmt.Errorf("computing bcryptHash: %w", err)
	}
	return string(h), nil
}
