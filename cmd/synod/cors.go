package main

import (
	"flag"
	"strings"
)

// corsFlag adds --cors-origins, the origins whose web pages may call the
// public API, to fs; def describes the default, if it is not none.
func corsFlag(fs *flag.FlagSet, origins *[]string, def string) {
	fs.Func("cors-origins", "`ORIGINS` whose web pages may call the public API from a browser, comma-separated (https://app.example.com, https://*.example.com), or * for any"+def, func(s string) error {
		*origins = nil
		for _, o := range strings.Split(s, ",") {
			if o = strings.TrimSpace(o); o != "" {
				*origins = append(*origins, o)
			}
		}
		return nil
	})
}
