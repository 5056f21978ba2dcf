package access

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

// An API key's token is "synod_" + its id (12 lowercase hex characters) +
// "_" + its secret (64 lowercase hex characters: 32 random bytes). The id
// names the key in listings, errors and the audit log; the secret is shown
// once, when the key is made, and the cluster keeps only its SHA-256. A
// secret of 256 random bits needs no slow hash: no guess can find it.
const tokenPrefix = "synod_"

// Lengths of a key id and a secret, in lowercase hex characters.
const (
	keyIDLen  = 12
	secretLen = 64
)

// lowerHex reports whether s is n lowercase hex characters.
func lowerHex(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for i := range len(s) {
		if c := s[i]; (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// ErrMalformedToken is returned for a bearer token that is not an API key.
var ErrMalformedToken = errors.New("not a Synod API key (synod_<id>_<secret>)")

// Token is a parsed API key.
type Token struct {
	// ID names the key; it is no secret.
	ID string
	// Secret proves the holder is the key's owner.
	Secret string
}

// NewToken makes a key with a random id and secret.
func NewToken() Token {
	var b [6 + 32]byte
	// crypto/rand.Read never fails (it aborts the process instead).
	_, _ = rand.Read(b[:])
	return Token{ID: hex.EncodeToString(b[:6]), Secret: hex.EncodeToString(b[6:])}
}

// String returns the token as a client sends it.
func (t Token) String() string { return tokenPrefix + t.ID + "_" + t.Secret }

// Hash returns the hex SHA-256 of the secret: what the cluster stores.
func (t Token) Hash() string {
	sum := sha256.Sum256([]byte(t.Secret))
	return hex.EncodeToString(sum[:])
}

// Matches reports, in constant time, whether the token's secret is the
// one whose hash is stored.
func (t Token) Matches(hash string) bool {
	return subtle.ConstantTimeCompare([]byte(t.Hash()), []byte(hash)) == 1
}

// ParseToken parses a token. Its error never repeats the token, which may
// be a secret sent to the wrong place.
func ParseToken(s string) (Token, error) {
	rest, ok := strings.CutPrefix(strings.TrimSpace(s), tokenPrefix)
	id, secret, ok2 := strings.Cut(rest, "_")
	if !ok || !ok2 || !lowerHex(id, keyIDLen) || !lowerHex(secret, secretLen) {
		return Token{}, ErrMalformedToken
	}
	return Token{ID: id, Secret: secret}, nil
}

// ValidKeyID reports whether id has the form of a key id.
func ValidKeyID(id string) error {
	if !lowerHex(id, keyIDLen) {
		return fmt.Errorf("invalid key id %.20q: 12 lowercase hex characters", id)
	}
	return nil
}

// ValidHash reports whether h has the form of a stored secret hash.
func ValidHash(h string) error {
	if !lowerHex(h, secretLen) {
		return errors.New("invalid secret hash: 64 lowercase hex characters")
	}
	return nil
}
