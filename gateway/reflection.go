package gateway

import (
	"fmt"
	"net/http"

	"connectrpc.com/connect"
	"connectrpc.com/grpchealth"
	"connectrpc.com/grpcreflect"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
)

// handleTooling serves what generic gRPC tools ask a server for, with no
// API key, as /healthz is served:
//
//   - gRPC server reflection (v1 and v1alpha), so that grpcurl and
//     buf curl work without the schema. It describes the public services
//     and the files they need, nothing else: the hosts' internal API is
//     linked into the same binary, and is not reachable through it. The
//     public schema is published with the project, so showing it to a
//     caller without a key tells that caller nothing new.
//   - gRPC health checking (grpc.health.v1.Health), SERVING for the
//     gateway ("") and each public service while the gateway serves:
//     load balancers and orchestrators probe it without credentials.
func handleTooling(mux *http.ServeMux, opts ...connect.HandlerOption) error {
	files, err := publicFiles()
	if err != nil {
		return err
	}
	reflector := grpcreflect.NewReflector(grpcreflect.NamerFunc(func() []string { return publicServices }),
		grpcreflect.WithDescriptorResolver(files),
		// No extensions: nothing the API declares needs them, and the
		// global registry's would reach past the public files.
		grpcreflect.WithExtensionResolver(&protoregistry.Types{}))
	mux.Handle(grpcreflect.NewHandlerV1(reflector, opts...))
	mux.Handle(grpcreflect.NewHandlerV1Alpha(reflector, opts...))
	mux.Handle(grpchealth.NewHandler(grpchealth.NewStaticChecker(publicServices...), opts...))
	return nil
}

// publicFiles returns the files that declare the public services, and
// every file they import, directly or not.
func publicFiles() (*protoregistry.Files, error) {
	files := new(protoregistry.Files)
	var add func(fd protoreflect.FileDescriptor) error
	add = func(fd protoreflect.FileDescriptor) error {
		if _, err := files.FindFileByPath(fd.Path()); err == nil {
			return nil
		}
		imports := fd.Imports()
		for i := range imports.Len() {
			if err := add(imports.Get(i).FileDescriptor); err != nil {
				return err
			}
		}
		return files.RegisterFile(fd)
	}
	for _, name := range publicServices {
		d, err := protoregistry.GlobalFiles.FindDescriptorByName(protoreflect.FullName(name))
		if err != nil {
			return nil, fmt.Errorf("public service %s: %w", name, err)
		}
		if err := add(d.ParentFile()); err != nil {
			return nil, fmt.Errorf("public service %s: %w", name, err)
		}
	}
	return files, nil
}
