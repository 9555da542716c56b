package main

import (
	"crypto/rand"
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/crypto/bcrypt"
)

// defaults is upstream's defaults with the given length.
func defaults(length int) passwordSpec {
	return passwordSpec{Length: length, Lower: true, Upper: true, Numeric: true, Special: true}
}

func mustGenerate(t *testing.T, s passwordSpec) string {
	t.Helper()
	pw, err := generatePassword(s, rand.Reader)
	if err != nil {
		t.Fatalf("generatePassword(%+v): %v", s, err)
	}
	return pw
}

func countIn(pw, set string) int {
	n := 0
	for _, r := range pw {
		if strings.ContainsRune(set, r) {
			n++
		}
	}
	return n
}

func TestLengthIsHonoured(t *testing.T) {
	for _, n := range []int{1, 2, 16, 32, 64, 100, 500} {
		if got := utf8.RuneCountInString(mustGenerate(t, defaults(n))); got != n {
			t.Errorf("length %d: got %d characters", n, got)
		}
	}
}

func TestDefaultsDrawFromEveryClassOnly(t *testing.T) {
	all := lowerChars + upperChars + numericChars + defaultSpecialChars
	seen := map[string]bool{}
	for i := 0; i < 50; i++ {
		pw := mustGenerate(t, defaults(64))
		for _, r := range pw {
			if !strings.ContainsRune(all, r) {
				t.Fatalf("character %q is in no class", r)
			}
		}
		for _, set := range []string{lowerChars, upperChars, numericChars, defaultSpecialChars} {
			if countIn(pw, set) > 0 {
				seen[set] = true
			}
		}
	}
	if len(seen) != 4 {
		t.Errorf("50 passwords of 64 characters used only %d of the 4 classes", len(seen))
	}
}

func TestEachClassOffExcludesIt(t *testing.T) {
	cases := map[string]struct {
		off func(*passwordSpec)
		set string
	}{
		"lower":   {func(s *passwordSpec) { s.Lower = false }, lowerChars},
		"upper":   {func(s *passwordSpec) { s.Upper = false }, upperChars},
		"numeric": {func(s *passwordSpec) { s.Numeric = false }, numericChars},
		"special": {func(s *passwordSpec) { s.Special = false }, defaultSpecialChars},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			s := defaults(200)
			c.off(&s)
			for i := 0; i < 20; i++ {
				if pw := mustGenerate(t, s); countIn(pw, c.set) > 0 {
					t.Fatalf("%s=false but the password has characters of that class", name)
				}
			}
		})
	}
}

func TestMinCountsHonouredOver200Generations(t *testing.T) {
	s := defaults(12)
	s.MinLower, s.MinUpper, s.MinNumeric, s.MinSpecial = 3, 3, 3, 3 // length == sum: no free characters
	loose := defaults(20)
	loose.MinUpper, loose.MinSpecial = 2, 5
	for i := 0; i < 200; i++ {
		for _, spec := range []passwordSpec{s, loose} {
			pw := mustGenerate(t, spec)
			for _, c := range []struct {
				name string
				set  string
				min  int
			}{{"lower", lowerChars, spec.MinLower}, {"upper", upperChars, spec.MinUpper},
				{"numeric", numericChars, spec.MinNumeric}, {"special", defaultSpecialChars, spec.MinSpecial}} {
				if got := countIn(pw, c.set); got < c.min {
					t.Fatalf("generation %d: %d %s characters, want at least %d", i, got, c.name, c.min)
				}
			}
		}
	}
}

// With every class's min at full length the min characters would stay in a fixed order without
// the shuffle; check that the first character varies.
func TestResultIsShuffled(t *testing.T) {
	s := passwordSpec{Length: 8, Lower: true, Numeric: true, MinNumeric: 4, MinLower: 4}
	firstIsDigit := 0
	for i := 0; i < 200; i++ {
		if pw := mustGenerate(t, s); strings.ContainsRune(numericChars, rune(pw[0])) {
			firstIsDigit++
		}
	}
	if firstIsDigit == 0 || firstIsDigit == 200 {
		t.Errorf("the first character was a digit in %d of 200 passwords: not shuffled", firstIsDigit)
	}
}

func TestOverrideSpecialCharactersOnly(t *testing.T) {
	s := passwordSpec{Length: 100, Special: true, OverrideSpecial: "_~", MinSpecial: 10}
	for i := 0; i < 20; i++ {
		pw := mustGenerate(t, s)
		if strings.Trim(pw, "_~") != "" {
			t.Fatalf("password has characters outside overrideSpecial")
		}
	}
	// Mixed with other classes, none of the default specials may appear.
	mixed := defaults(200)
	mixed.OverrideSpecial = "^"
	if pw := mustGenerate(t, mixed); countIn(pw, defaultSpecialChars) > 0 {
		t.Errorf("default special characters used although overrideSpecial replaces them")
	}
}

// Multi-byte override characters must come out whole, and length counts characters.
func TestOverrideSpecialMultiByte(t *testing.T) {
	pw := mustGenerate(t, passwordSpec{Length: 10, Special: true, OverrideSpecial: "°€", MinSpecial: 5})
	if !utf8.ValidString(pw) || utf8.RuneCountInString(pw) != 10 {
		t.Errorf("want 10 valid UTF-8 characters, got %d (valid %t)", utf8.RuneCountInString(pw), utf8.ValidString(pw))
	}
}

// As upstream: a min count is drawn from its class even when that class is switched off.
func TestMinCountWinsOverDisabledClass(t *testing.T) {
	pw := mustGenerate(t, passwordSpec{Length: 10, Lower: true, MinNumeric: 3})
	if got := countIn(pw, numericChars); got != 3 {
		t.Errorf("numeric=false, minNumeric=3: got %d digits, want exactly 3", got)
	}
}

func TestValidationMessages(t *testing.T) {
	sum := defaults(5)
	sum.MinUpper, sum.MinLower, sum.MinNumeric, sum.MinSpecial = 2, 2, 1, 1
	neg := defaults(4)
	neg.MinSpecial = -1
	cases := []struct {
		name string
		spec passwordSpec
		want fieldError
	}{
		{"length below the sum of mins", sum, fieldError{"length",
			"length is 5 but must be at least minUpper + minLower + minNumeric + minSpecial = 2 + 2 + 1 + 1 = 6"}},
		{"length 0", defaults(0), fieldError{"length", "length is 0; it must be at least 1"}},
		{"negative length", defaults(-3), fieldError{"length", "length is -3; it must be at least 1"}},
		{"negative min", neg, fieldError{"minSpecial", "minSpecial is -1; it must be 0 or more"}},
		{"all classes off", passwordSpec{Length: 8}, fieldError{"",
			"lower, upper, numeric and special are all false; at least one of them must be true"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			errs := c.spec.validate()
			if len(errs) != 1 || errs[0] != c.want {
				t.Fatalf("validate() = %+v, want [%+v]", errs, c.want)
			}
			if _, err := generatePassword(c.spec, rand.Reader); err == nil || err.Error() != c.want.Reason {
				t.Errorf("generatePassword error = %v, want %q", err, c.want.Reason)
			}
		})
	}
	ok := defaults(6)
	ok.MinUpper, ok.MinLower, ok.MinNumeric, ok.MinSpecial = 2, 2, 1, 1
	if errs := ok.validate(); len(errs) != 0 {
		t.Errorf("length equal to the sum of mins must be valid, got %+v", errs)
	}
}

func TestBcryptHashVerifiesAgainstResult(t *testing.T) {
	pw := mustGenerate(t, defaults(24))
	hash, err := hashPassword(pw)
	if err != nil {
		t.Fatal(err)
	}
	if err := bcrypt.CompareHashAndPassword([]byte(hash), []byte(pw)); err != nil {
		t.Errorf("hash does not verify: %v", err)
	}
	if cost, _ := bcrypt.Cost([]byte(hash)); cost != bcrypt.DefaultCost {
		t.Errorf("cost %d, want the default %d", cost, bcrypt.DefaultCost)
	}
	if bcrypt.CompareHashAndPassword([]byte(hash), []byte(pw+"x")) == nil && len(pw) < bcryptMaxBytes {
		t.Errorf("hash verifies a different password")
	}
}

// Upstream documents bcryptHash of a password over 72 bytes as the hash of its first 72 bytes.
func TestBcryptHashOfLongPasswordCoversFirst72Bytes(t *testing.T) {
	pw := mustGenerate(t, defaults(100))
	hash, err := hashPassword(pw)
	if err != nil {
		t.Fatal(err)
	}
	if err := bcrypt.CompareHashAndPassword([]byte(hash), []byte(pw[:bcryptMaxBytes])); err != nil {
		t.Errorf("hash of a 100-character password does not verify against its first 72 bytes: %v", err)
	}
}

type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, errors.New("entropy source closed") }

func TestRandomSourceFailureIsReported(t *testing.T) {
	if _, err := generatePassword(defaults(8), failingReader{}); err == nil ||
		!strings.Contains(err.Error(), "entropy source closed") {
		t.Errorf("want the reader's error, got %v", err)
	}
}
