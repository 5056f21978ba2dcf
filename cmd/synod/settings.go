package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strings"
)

// Server commands (dev, host, gateway) take each setting from, in order: the
// command line, the environment (SYNOD_ and the flag's name in upper case
// with '-' as '_', e.g. SYNOD_DATA_DIR), and a JSON config file given by
// --config or SYNOD_CONFIG (an object keyed by flag name, values as strings
// as on the command line). A bad value is reported with where it came from.

// envName returns the environment variable of a flag.
func envName(flagName string) string {
	return "SYNOD_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// fillUnsetFlags fills every flag that the command line did not set from the
// environment or, failing that, from the config file.
func fillUnsetFlags(fs *flag.FlagSet, configPath string) error {
	if configPath == "" {
		configPath = os.Getenv(envName("config"))
	}
	file, err := readConfig(fs, configPath)
	if err != nil {
		return err
	}
	set := make(map[string]bool)
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	var errs []error
	fs.VisitAll(func(f *flag.Flag) {
		if set[f.Name] || f.Name == "config" {
			return
		}
		if v, ok := os.LookupEnv(envName(f.Name)); ok {
			if err := fs.Set(f.Name, v); err != nil {
				errs = append(errs, fmt.Errorf("%s=%q: %w", envName(f.Name), v, err))
			}
			return
		}
		if v, ok := file[f.Name]; ok {
			if err := fs.Set(f.Name, v); err != nil {
				errs = append(errs, fmt.Errorf("%s: %q: %q: %w", configPath, f.Name, v, err))
			}
		}
	})
	if len(errs) > 0 {
		return usagef("%w", errs[0])
	}
	return nil
}

// readConfig reads a JSON config file; every key must name a flag.
func readConfig(fs *flag.FlagSet, path string) (map[string]string, error) {
	if path == "" {
		return nil, nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	var raw map[string]any
	if err := json.Unmarshal(b, &raw); err != nil {
		return nil, fmt.Errorf("config %s: %w", path, err)
	}
	out := make(map[string]string, len(raw))
	for k, v := range raw {
		if fs.Lookup(k) == nil || k == "config" {
			return nil, usagef("config %s: unknown setting %q", path, k)
		}
		switch v := v.(type) {
		case string:
			out[k] = v
		case float64, bool:
			out[k] = fmt.Sprint(v)
		default:
			return nil, usagef("config %s: setting %q must be a string, number or boolean", path, k)
		}
	}
	return out, nil
}
