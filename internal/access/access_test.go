package access

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestGrantAllows(t *testing.T) {
	t.Parallel()
	writer := Grant{Roles: map[string]Role{"a": Writer}}
	tests := []struct {
		name  string
		grant Grant
		need  Need
		ns    string
		want  bool
	}{
		{name: "role above need", grant: writer, need: Need{Role: Reader}, ns: "a", want: true},
		{name: "role at need", grant: writer, need: Need{Role: Writer}, ns: "a", want: true},
		{name: "role below need", grant: writer, need: Need{Role: Admin}, ns: "a", want: false},
		{name: "other namespace", grant: writer, need: Need{Role: Reader}, ns: "b", want: false},
		{name: "cluster call", grant: Grant{Roles: map[string]Role{"a": Admin}}, need: Need{Cluster: true}, ns: "a", want: false},
		{name: "cluster admin anywhere", grant: Grant{ClusterAdmin: true}, need: Need{Role: Admin}, ns: "z", want: true},
		{name: "cluster admin cluster call", grant: Grant{ClusterAdmin: true}, need: Need{Cluster: true}, want: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.grant.Allows(tt.need, tt.ns); got != tt.want {
				t.Errorf("Allows(%v, %q) = %v, want %v", tt.need, tt.ns, got, tt.want)
			}
		})
	}
}

func TestGrantCovers(t *testing.T) {
	t.Parallel()
	adminA := Grant{Roles: map[string]Role{"a": Admin, "b": Reader}}
	tests := []struct {
		name  string
		grant Grant
		other Grant
		want  bool
	}{
		{name: "key in its namespace", grant: adminA, other: Grant{Roles: map[string]Role{"a": Writer}}, want: true},
		{name: "key reaching a namespace it only reads", grant: adminA, other: Grant{Roles: map[string]Role{"a": Reader, "b": Reader}}, want: false},
		{name: "cluster admin key", grant: adminA, other: Grant{ClusterAdmin: true}, want: false},
		{name: "cluster admin covers all", grant: Grant{ClusterAdmin: true}, other: Grant{ClusterAdmin: true}, want: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.grant.Covers(tt.other); got != tt.want {
				t.Errorf("Covers = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestToken(t *testing.T) {
	t.Parallel()
	tok := NewToken()
	parsed, err := ParseToken(tok.String())
	if err != nil || parsed != tok {
		t.Fatalf("ParseToken(%q) = %v, %v", tok, parsed, err)
	}
	if !parsed.Matches(tok.Hash()) || parsed.Matches(NewToken().Hash()) {
		t.Error("a token must match its own hash and no other")
	}
	for _, bad := range []string{"", "synod_", "synod_abc_def", tok.ID + "_" + tok.Secret, strings.ToUpper(tok.String()), tok.String() + "0"} {
		_, err := ParseToken(bad)
		if err == nil {
			t.Errorf("ParseToken(%q) succeeded", bad)
		} else if strings.Contains(err.Error(), tok.Secret) {
			t.Errorf("ParseToken's error repeats the secret: %v", err)
		}
	}
}

func TestGrantJSON(t *testing.T) {
	t.Parallel()
	g := Grant{Roles: map[string]Role{"b": Reader, "a": Admin}}
	b, err := json.Marshal(g)
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"roles":{"a":"admin","b":"reader"}}`; string(b) != want {
		t.Errorf("grant encodes as %s, want %s", b, want)
	}
	var back Grant
	if err := json.Unmarshal(b, &back); err != nil || back.Roles["a"] != Admin || back.Roles["b"] != Reader {
		t.Errorf("decode %s: %+v, %v", b, back, err)
	}
	if err := json.Unmarshal([]byte(`{"roles":{"a":"owner"}}`), &back); err == nil {
		t.Error("an unknown role decoded")
	}
}

func TestNamespace(t *testing.T) {
	t.Parallel()
	if ns, err := Namespace(""); ns != DefaultNamespace || err != nil {
		t.Errorf(`Namespace("") = %q, %v`, ns, err)
	}
	for _, bad := range []string{"A", "-a", "a/b", strings.Repeat("a", 64), "a b"} {
		if _, err := Namespace(bad); err == nil {
			t.Errorf("Namespace(%q) accepted", bad)
		}
	}
}

// FuzzParseToken feeds bearer tokens, which come from anyone who can reach
// a gateway, to the parser: it never panics, accepts only tokens that print
// back as themselves, and never repeats its input in an error.
func FuzzParseToken(f *testing.F) {
	f.Add(NewToken().String())
	f.Add("synod_000000000000_" + strings.Repeat("0", 64))
	f.Add("synod__")
	f.Add("")
	f.Fuzz(func(t *testing.T, s string) {
		tok, err := ParseToken(s)
		if err != nil {
			if len(s) > 8 && strings.Contains(err.Error(), s) {
				t.Fatalf("the error repeats the input: %v", err)
			}
			return
		}
		if tok.String() != strings.TrimSpace(s) {
			t.Fatalf("ParseToken(%q) = %q", s, tok)
		}
		if err := ValidKeyID(tok.ID); err != nil {
			t.Fatal(err)
		}
	})
}
