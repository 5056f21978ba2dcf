package main

// This file decodes kv's commands; encode.go writes its results. See
// README.md, "Why not encoding/json", for why kv has its own JSON codec.

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// errEnd reports input that stops in the middle of the command.
var errEnd = errors.New("unexpected end of JSON input")

// decodeCommand decodes b, which must hold one JSON object and nothing else
// but white space.
//
// The object's members set the command's fields, as encoding/json set them:
// names match exactly or else case-insensitively (so "OP" sets Op), a name
// that matches no field is an error, and a later duplicate wins. Values must
// be strings, except for limit (an integer); null clears Key, Value and
// Expect and leaves the other fields alone.
//
// The command's strings are slices of b, or of a copy when they have escapes
// or invalid UTF-8, so they stay valid as long as b does.
func decodeCommand(b []byte) (command, error) {
	d := decoder{buf: b}
	var c command
	if err := d.object(&c); err != nil {
		return command{}, err
	}
	d.skipSpace()
	if d.pos < len(d.buf) {
		return command{}, errors.New("data after the JSON object")
	}
	return c, nil
}

// decoder reads a JSON text from buf; pos is the offset of the next byte.
type decoder struct {
	buf []byte
	pos int
}

// object reads a JSON object into c.
func (d *decoder) object(c *command) error {
	d.skipSpace()
	if err := d.consume('{', "'{'"); err != nil {
		return err
	}
	d.skipSpace()
	if d.pos < len(d.buf) && d.buf[d.pos] == '}' {
		d.pos++
		return nil
	}
	for {
		d.skipSpace()
		name, err := d.string()
		if err != nil {
			return err
		}
		d.skipSpace()
		if err := d.consume(':', "':' after an object key"); err != nil {
			return err
		}
		d.skipSpace()
		v, err := d.value()
		if err != nil {
			return err
		}
		if err := c.set(name, v); err != nil {
			return err
		}
		d.skipSpace()
		if d.pos < len(d.buf) && d.buf[d.pos] == '}' {
			d.pos++
			return nil
		}
		if err := d.consume(',', "',' or '}' after an object member"); err != nil {
			return err
		}
	}
}

// value is one JSON value as the decoder read it.
type value struct {
	kind kind
	text []byte // a string's unescaped contents, or a number's literal
}

// kind is the kind of a JSON value.
type kind uint8

const (
	kindString kind = iota
	kindNumber
	kindBool
	kindNull
	kindObject
	kindArray
)

// String describes k for error messages.
func (k kind) String() string {
	return [...]string{"a string", "a number", "a bool", "null", "an object", "an array"}[k]
}

// value reads a JSON value. Objects and arrays are left unread: no command
// field takes one, so the caller rejects them.
func (d *decoder) value() (value, error) {
	// Nearly every value is a string: read it with as few checks as can be.
	if d.pos < len(d.buf) && d.buf[d.pos] == '"' {
		s, err := d.string()
		return value{kind: kindString, text: s}, err
	}
	return d.otherValue()
}

// otherValue reads a JSON value that is not a string.
func (d *decoder) otherValue() (value, error) {
	if d.pos == len(d.buf) {
		return value{}, errEnd
	}
	switch c := d.buf[d.pos]; {
	case c == '-' || '0' <= c && c <= '9':
		n, err := d.number()
		return value{kind: kindNumber, text: n}, err
	case c == 't':
		return value{kind: kindBool}, d.literal("true")
	case c == 'f':
		return value{kind: kindBool}, d.literal("false")
	case c == 'n':
		return value{kind: kindNull}, d.literal("null")
	case c == '{':
		return value{kind: kindObject}, nil
	case c == '[':
		return value{kind: kindArray}, nil
	}
	return value{}, d.unexpected("a value")
}

// string reads a JSON string and returns its contents, never nil (so that
// an empty string is told from an absent one). Without escapes and invalid
// UTF-8 they are a slice of buf; else a new slice.
func (d *decoder) string() ([]byte, error) {
	if err := d.consume('"', "'\"'"); err != nil {
		return nil, err
	}
	start := d.pos
	end := start + plainPrefix(d.buf[start:])
	if end < len(d.buf) && d.buf[end] == '"' {
		d.pos = end + 1
		return d.buf[start:end], nil
	}
	return d.stringRest(start, end)
}

// stringRest reads the rest of the string that starts at start and is
// plain (see plainPrefix) up to i: it has other UTF-8, '<', '>' or '&', an
// escape or a control character, or no end.
func (d *decoder) stringRest(start, i int) ([]byte, error) {
	buf := d.buf
	for i < len(buf) {
		c := buf[i]
		switch {
		case c == '"':
			d.pos = i + 1
			return buf[start:i], nil
		case c == '\\' || c < ' ':
			d.pos = i
			return d.unescape(start)
		case c < utf8.RuneSelf: // '<', '>' or '&'
			i++
		default:
			r, size := utf8.DecodeRune(buf[i:])
			if r == utf8.RuneError && size == 1 {
				d.pos = i
				return d.unescape(start)
			}
			i += size
		}
		i += plainPrefix(buf[i:])
	}
	return nil, errEnd
}

// unescape reads the string that starts at start into a new slice: up to
// pos as it is, then unescaped. As in encoding/json, each byte of invalid
// UTF-8 becomes U+FFFD.
func (d *decoder) unescape(start int) ([]byte, error) {
	s := append(make([]byte, 0, len(d.buf)-start), d.buf[start:d.pos]...)
	for d.pos < len(d.buf) {
		switch c := d.buf[d.pos]; {
		case c == '"':
			d.pos++
			return s, nil
		case c == '\\':
			var err error
			if s, err = d.escape(s); err != nil {
				return nil, err
			}
		case c < ' ':
			return nil, fmt.Errorf("invalid control character %q in string at offset %d", c, d.pos)
		case c < utf8.RuneSelf:
			s = append(s, c)
			d.pos++
		default:
			r, size := utf8.DecodeRune(d.buf[d.pos:])
			s = utf8.AppendRune(s, r)
			d.pos += size
		}
	}
	return nil, errEnd
}

// escape reads one escape sequence and appends the text it stands for to s.
func (d *decoder) escape(s []byte) ([]byte, error) {
	d.pos++ // the backslash
	if d.pos == len(d.buf) {
		return nil, errEnd
	}
	c := d.buf[d.pos]
	d.pos++
	switch c {
	case '"', '\\', '/':
		return append(s, c), nil
	case 'b':
		return append(s, '\b'), nil
	case 'f':
		return append(s, '\f'), nil
	case 'n':
		return append(s, '\n'), nil
	case 'r':
		return append(s, '\r'), nil
	case 't':
		return append(s, '\t'), nil
	case 'u':
		r, err := d.hex4()
		if err != nil {
			return nil, err
		}
		if utf16.IsSurrogate(r) {
			r = d.surrogatePair(r)
		}
		return utf8.AppendRune(s, r), nil
	}
	d.pos -= 2
	return nil, fmt.Errorf("invalid escape sequence %q in string at offset %d", d.buf[d.pos:d.pos+2], d.pos)
}

// surrogatePair reads the \uXXXX escape that completes the UTF-16
// surrogate r, and returns the pair's code point. As in encoding/json, if no
// escape follows that makes a valid pair with r, r becomes U+FFFD and what
// follows is left to be read on its own.
func (d *decoder) surrogatePair(r rune) rune {
	if !bytes.HasPrefix(d.buf[d.pos:], []byte(`\u`)) {
		return utf8.RuneError
	}
	next := *d
	next.pos += 2
	r2, err := next.hex4()
	if err != nil {
		return utf8.RuneError
	}
	pair := utf16.DecodeRune(r, r2)
	if pair != utf8.RuneError {
		*d = next
	}
	return pair
}

// hex4 reads the four hex digits of a \uXXXX escape.
func (d *decoder) hex4() (rune, error) {
	if len(d.buf)-d.pos < 4 {
		return 0, errEnd
	}
	var r rune
	for _, c := range d.buf[d.pos : d.pos+4] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c -= 'a' - 10
		case 'A' <= c && c <= 'F':
			c -= 'A' - 10
		default:
			return 0, d.unexpected("a hex digit in a \\u escape")
		}
		r = r<<4 | rune(c)
		d.pos++
	}
	return r, nil
}

// number reads a JSON number and returns its literal:
// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func (d *decoder) number() ([]byte, error) {
	start := d.pos
	d.skip('-')
	if !d.skip('0') {
		if err := d.digits(); err != nil {
			return nil, err
		}
	}
	if d.skip('.') {
		if err := d.digits(); err != nil {
			return nil, err
		}
	}
	if d.skip('e') || d.skip('E') {
		if !d.skip('+') {
			d.skip('-')
		}
		if err := d.digits(); err != nil {
			return nil, err
		}
	}
	return d.buf[start:d.pos], nil
}

// digits reads one or more decimal digits.
func (d *decoder) digits() error {
	start := d.pos
	for d.pos < len(d.buf) && '0' <= d.buf[d.pos] && d.buf[d.pos] <= '9' {
		d.pos++
	}
	if d.pos == start {
		return d.unexpected("a digit")
	}
	return nil
}

// literal reads the literal word: true, false or null.
func (d *decoder) literal(word string) error {
	for i := range len(word) {
		if d.pos == len(d.buf) {
			return errEnd
		}
		if d.buf[d.pos] != word[i] {
			return d.unexpected("the literal " + word)
		}
		d.pos++
	}
	return nil
}

// skipSpace skips white space. Commands seldom have any, so it checks
// first, cheaply, whether there is some to skip: a loop costs more in a
// guest (see README.md, "Why not encoding/json").
func (d *decoder) skipSpace() {
	if d.pos < len(d.buf) && d.buf[d.pos] <= ' ' {
		d.skipSpaceLoop()
	}
}

// skipSpaceLoop skips white space.
func (d *decoder) skipSpaceLoop() {
	for d.pos < len(d.buf) {
		if c := d.buf[d.pos]; c != ' ' && c != '\t' && c != '\n' && c != '\r' {
			return
		}
		d.pos++
	}
}

// skip reads c if it is the next byte, and reports whether it was.
func (d *decoder) skip(c byte) bool {
	if d.pos < len(d.buf) && d.buf[d.pos] == c {
		d.pos++
		return true
	}
	return false
}

// consume reads c, which must be the next byte; want describes it for the
// error.
func (d *decoder) consume(c byte, want string) error {
	if d.pos < len(d.buf) && d.buf[d.pos] == c {
		d.pos++
		return nil
	}
	return d.unexpected(want)
}

// unexpected returns the error for the byte at pos, which is not the one
// described by want.
func (d *decoder) unexpected(want string) error {
	if d.pos == len(d.buf) {
		return errEnd
	}
	return fmt.Errorf("invalid character %q at offset %d, looking for %s", d.buf[d.pos], d.pos, want)
}

// set stores v in the field of c that name names.
func (c *command) set(name []byte, v value) error {
	switch string(name) {
	case "op":
		return v.storeString(name, &c.Op)
	case "key":
		return v.storeOptional(name, &c.Key)
	case "value":
		return v.storeOptional(name, &c.Value)
	case "expect":
		return v.storeOptional(name, &c.Expect)
	case "prefix":
		return v.storeString(name, &c.Prefix)
	case "limit":
		return v.storeInt(name, &c.Limit)
	}
	// As in encoding/json, a name that is not exactly a field's may still
	// name one case-insensitively, with Unicode simple case folding: "KEY"
	// and "\u212aey" (with a Kelvin sign) both name key. No two field names
	// are equal under folding, so at most one matches.
	for _, f := range [...]string{"op", "key", "value", "expect", "prefix", "limit"} {
		if strings.EqualFold(string(name), f) {
			return c.set([]byte(f), v)
		}
	}
	return fmt.Errorf("unknown field %q", name)
}

// storeString stores v, a string, in f. A null leaves f alone, as
// encoding/json leaves a string field.
func (v value) storeString(name []byte, f *[]byte) error {
	switch v.kind {
	case kindString:
		*f = v.text
	case kindNull:
	default:
		return fmt.Errorf("field %q must be a string, not %v", name, v.kind)
	}
	return nil
}

// storeOptional stores v, a string or null, in f. A null clears f, as
// encoding/json clears a pointer field.
func (v value) storeOptional(name []byte, f *[]byte) error {
	switch v.kind {
	case kindString:
		*f = v.text
	case kindNull:
		*f = nil
	default:
		return fmt.Errorf("field %q must be a string or null, not %v", name, v.kind)
	}
	return nil
}

// storeInt stores v, an integer, in f. A null leaves f alone, as
// encoding/json leaves an int field.
func (v value) storeInt(name []byte, f *int) error {
	switch v.kind {
	case kindNumber:
		n, err := strconv.Atoi(string(v.text)) // rejects fractions, exponents and overflow
		if err != nil {
			return fmt.Errorf("field %q must be an integer, not %s", name, v.text)
		}
		*f = n
	case kindNull:
	default:
		return fmt.Errorf("field %q must be an integer, not %v", name, v.kind)
	}
	return nil
}
