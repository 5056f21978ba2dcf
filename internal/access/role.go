package access

import (
	"fmt"
	"sort"
)

// DefaultNamespace is the namespace of a request that names none.
const DefaultNamespace = "default"

// validName reports whether s is 1 to 63 lowercase letters, digits and
// '-', starting with a letter: a namespace's name. Every call checks one,
// so it is a loop rather than a regular expression.
func validName(s string) bool {
	if len(s) == 0 || len(s) > 63 || s[0] < 'a' || s[0] > 'z' {
		return false
	}
	for i := 1; i < len(s); i++ {
		c := s[i]
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '-' {
			return false
		}
	}
	return true
}

// Namespace returns the namespace a request names, "" read as
// [DefaultNamespace], or an error saying what is wrong with the name.
func Namespace(ns string) (string, error) {
	if ns == "" {
		return DefaultNamespace, nil
	}
	if !validName(ns) {
		return "", fmt.Errorf("invalid namespace %.70q: use 1 to 63 lowercase letters, digits and '-', starting with a letter", ns)
	}
	return ns, nil
}

// Role is what a key may do in one namespace. Each role may do everything
// the roles below it may.
type Role uint8

// Roles, from least to most.
const (
	// NoRole may do nothing.
	NoRole Role = iota
	// Reader may read modules and shards and query shards.
	Reader
	// Writer may also propose commands.
	Writer
	// Admin may also upload and delete modules, create, delete and check
	// shards, and manage the keys of its namespaces.
	Admin
)

var roleNames = [...]string{NoRole: "none", Reader: "reader", Writer: "writer", Admin: "admin"}

// String returns the role's name.
func (r Role) String() string {
	if int(r) < len(roleNames) {
		return roleNames[r]
	}
	return fmt.Sprintf("role(%d)", r)
}

// ParseRole returns the role named s (reader, writer or admin).
func ParseRole(s string) (Role, error) {
	for r, name := range roleNames {
		if name == s && Role(r) != NoRole {
			return Role(r), nil
		}
	}
	return NoRole, fmt.Errorf("unknown role %q: use reader, writer or admin", s)
}

// MarshalText implements encoding.TextMarshaler.
func (r Role) MarshalText() ([]byte, error) { return []byte(r.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (r *Role) UnmarshalText(b []byte) error {
	role, err := ParseRole(string(b))
	*r = role
	return err
}

// Grant is what a key may do: everything, as a cluster admin, or what its
// role in each namespace allows.
type Grant struct {
	// ClusterAdmin may make every call in every namespace, and manage
	// hosts, replicas and every key.
	ClusterAdmin bool `json:"cluster_admin,omitempty"`
	// Roles maps a namespace to the key's role in it.
	Roles map[string]Role `json:"roles,omitempty"`
}

// Validate reports the first thing wrong with the grant.
func (g Grant) Validate() error {
	if !g.ClusterAdmin && len(g.Roles) == 0 {
		return fmt.Errorf("a key needs a role in a namespace, or to be a cluster admin")
	}
	for _, ns := range g.Namespaces() {
		if _, err := Namespace(ns); err != nil || ns == "" {
			return fmt.Errorf("role in namespace %q: %w", ns, err)
		}
		if r := g.Roles[ns]; r < Reader || r > Admin {
			return fmt.Errorf("role in namespace %q: %v is not reader, writer or admin", ns, r)
		}
	}
	return nil
}

// Role returns the key's role in a namespace: Admin for a cluster admin.
func (g Grant) Role(ns string) Role {
	if g.ClusterAdmin {
		return Admin
	}
	return g.Roles[ns]
}

// Allows reports whether the grant may make a call that needs n in
// namespace ns.
func (g Grant) Allows(n Need, ns string) bool {
	if n.Cluster {
		return g.ClusterAdmin
	}
	return g.Role(ns) >= n.Role
}

// Covers reports whether a key with this grant may create, see and revoke
// a key with grant o: a cluster admin may manage every key; any other key
// only keys that are no cluster admin and hold roles only in namespaces it
// administers.
func (g Grant) Covers(o Grant) bool {
	if g.ClusterAdmin {
		return true
	}
	if o.ClusterAdmin {
		return false
	}
	for ns := range o.Roles {
		if g.Role(ns) < Admin {
			return false
		}
	}
	return true
}

// Namespaces returns the namespaces the grant names, sorted.
func (g Grant) Namespaces() []string {
	out := make([]string, 0, len(g.Roles))
	for ns := range g.Roles {
		out = append(out, ns)
	}
	sort.Strings(out)
	return out
}

// Need is what a call needs of its caller's grant.
type Need struct {
	// Role is the least role the caller needs in the call's namespace.
	Role Role
	// Cluster is set for a call only a cluster admin may make.
	Cluster bool
}

// String describes the need for an error message.
func (n Need) String() string {
	if n.Cluster {
		return "cluster admin"
	}
	return n.Role.String()
}
