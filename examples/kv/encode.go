package main

// This file writes kv's results, byte for byte as encoding/json wrote them.

import (
	"strconv"
	"unicode/utf8"
)

// okJSON is the result of a write, an okResult. Handlers may return it
// as it is: the SDK copies a result, and nothing writes to it.
var okJSON = []byte(`{"ok":true}`)

// appendGetResult appends get's result, a getResult, as encoding/json
// writes it: the value only if found.
func appendGetResult(b, key, value []byte, found bool) []byte {
	b = append(b, `{"key":`...)
	b = appendString(b, key)
	if found {
		b = append(b, `,"value":`...)
		b = appendString(b, value)
	}
	b = append(b, `,"found":`...)
	b = strconv.AppendBool(b, found)
	return append(b, '}')
}

// appendItem appends one item of a list's result, as encoding/json writes
// an item.
func appendItem(b, key, value []byte) []byte {
	b = append(b, `{"key":`...)
	b = appendString(b, key)
	b = append(b, `,"value":`...)
	b = appendString(b, value)
	return append(b, '}')
}

// appendString appends s as a JSON string, escaped as encoding/json escapes
// it, so that results stay byte for byte what they were: '"', '\\' and the
// control characters \b, \f, \n, \r and \t get their short escapes; other
// control characters, '<', '>' and '&' (for HTML) and U+2028 and U+2029
// (for JavaScript) are \u escapes; and each byte of invalid UTF-8 becomes
// \ufffd.
func appendString(b, s []byte) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0 // s[start:i] is still to be appended as it is
	for i := plainPrefix(s); i < len(s); i += plainPrefix(s[i:]) {
		c := s[i]
		if c < utf8.RuneSelf {
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRune(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			start = i + size
		case r == '\u2028' || r == '\u2029':
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xf])
			start = i + size
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
