package gateway

import (
	"testing"

	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"

	_ "github.com/synodhq/synod/proto/synod/v1" // registers the public services
)

// TestEveryProcedureHasANeed checks that the access table names every
// procedure of every public service, so that none is refused to all by
// oversight, and names none that does not exist.
func TestEveryProcedureHasANeed(t *testing.T) {
	seen := make(map[string]bool)
	protoregistry.GlobalFiles.RangeFilesByPackage("synod.v1", func(f protoreflect.FileDescriptor) bool {
		for i := range f.Services().Len() {
			s := f.Services().Get(i)
			for j := range s.Methods().Len() {
				proc := "/" + string(s.FullName()) + "/" + string(s.Methods().Get(j).Name())
				seen[proc] = true
				if _, ok := needs[proc]; !ok {
					t.Errorf("%s is missing from the access table", proc)
				}
			}
		}
		return true
	})
	if len(seen) < 20 {
		t.Fatalf("found only %d procedures: are the services registered?", len(seen))
	}
	for proc := range needs {
		if !seen[proc] {
			t.Errorf("the access table names %s, which no service has", proc)
		}
	}
}
