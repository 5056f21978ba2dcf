package main

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSettle(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := write("good.json", `{"name": "from-file", "listen": "file:1", "hosts": 3}`)
	tests := []struct {
		name    string
		args    []string
		env     map[string]string
		config  string
		want    map[string]string
		wantErr string
	}{
		{name: "defaults", want: map[string]string{"name": "", "listen": "default:1"}},
		{name: "file fills what is unset", config: good, want: map[string]string{"name": "from-file", "listen": "file:1", "hosts": "3"}},
		{name: "env beats file", config: good, env: map[string]string{"SYNOD_LISTEN": "env:1"}, want: map[string]string{"name": "from-file", "listen": "env:1"}},
		{name: "flag beats env", args: []string{"--listen", "flag:1"}, config: good, env: map[string]string{"SYNOD_LISTEN": "env:1"}, want: map[string]string{"listen": "flag:1"}},
		{name: "config path from env", env: map[string]string{"SYNOD_CONFIG": good}, want: map[string]string{"name": "from-file"}},
		{name: "unknown setting", config: write("unknown.json", `{"lisen": "x"}`), wantErr: `unknown setting "lisen"`},
		{name: "bad value from env names the variable", env: map[string]string{"SYNOD_HOSTS": "three"}, wantErr: `SYNOD_HOSTS="three"`},
		{name: "bad value from file names the file and key", config: write("bad.json", `{"hosts": "three"}`), wantErr: `"hosts": "three"`},
		{name: "malformed file", config: write("malformed.json", `{`), wantErr: "malformed.json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			fs := flag.NewFlagSet("test", flag.ContinueOnError)
			name := fs.String("name", "", "")
			listen := fs.String("listen", "default:1", "")
			fs.Int("hosts", 0, "")
			if err := fs.Parse(tt.args); err != nil {
				t.Fatal(err)
			}
			err := fillUnsetFlags(fs, tt.config)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("fillUnsetFlags error = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("fillUnsetFlags: %v", err)
			}
			got := map[string]string{"name": *name, "listen": *listen, "hosts": fs.Lookup("hosts").Value.String()}
			for k, v := range tt.want {
				if got[k] != v {
					t.Errorf("%s = %q, want %q", k, got[k], v)
				}
			}
		})
	}
}
