// Command bank is a test guest for the e2e tests: accounts whose balances
// move only by atomic transfers, with a ledger that counts how many times
// each transfer was applied, so that a test can tell a transfer applied
// twice from one applied once. Commands and results are text.
//
// Updates:
//
//	open ACCOUNT AMOUNT           opens ACCOUNT with AMOUNT (409 if it exists)
//	transfer ID FROM TO AMOUNT    moves AMOUNT from FROM to TO and counts ID
//	                              in the ledger; 409 if FROM holds less than
//	                              AMOUNT (nothing changes); answers
//	                              "ID FROM_BALANCE TO_BALANCE"
//
// Queries:
//
//	balances                      every account, one "ACCOUNT BALANCE" line each
//	ledger [AFTER]                up to 500 ledger entries, "ID COUNT" lines, in
//	                              ID order, after the ID AFTER if given
//
// Malformed commands, unknown accounts and amounts that are not positive are
// application error 400.
package main

import (
	"bytes"
	"strconv"

	"github.com/synodhq/synod/sdk/guest"
)

func init() { guest.Register(guest.Handlers{Update: update, Query: query}) }

func main() {}

// The application error codes.
const (
	codeBadCommand = 400
	codeRefused    = 409
)

// ledgerPage bounds the entries of one ledger query.
const ledgerPage = 500

// The key prefixes: balances and ledger entries.
var (
	balancePrefix = []byte("b/")
	ledgerPrefix  = []byte("l/")
)

func update(cmd []byte) ([]byte, error) {
	f := bytes.Fields(cmd)
	switch {
	case len(f) == 3 && string(f[0]) == "open":
		return open(f[1], f[2])
	case len(f) == 5 && string(f[0]) == "transfer":
		return transfer(f[1], f[2], f[3], f[4])
	}
	return nil, guest.Errorf(codeBadCommand, "bad command %q", cmd)
}

func query(q []byte) ([]byte, error) {
	f := bytes.Fields(q)
	switch {
	case len(f) == 1 && string(f[0]) == "balances":
		var out []byte
		for k, v := range guest.Prefix(balancePrefix) {
			out = append(append(append(append(out, k[len(balancePrefix):]...), ' '), v...), '\n')
		}
		return out, nil
	case len(f) >= 1 && len(f) <= 2 && string(f[0]) == "ledger":
		return ledger(f[1:])
	}
	return nil, guest.Errorf(codeBadCommand, "bad query %q", q)
}

func open(account, amount []byte) ([]byte, error) {
	n, err := positive(amount)
	if err != nil {
		return nil, err
	}
	if _, ok := guest.Get(key(balancePrefix, account)); ok {
		return nil, guest.Errorf(codeRefused, "account %s exists", account)
	}
	guest.Set(key(balancePrefix, account), strconv.AppendInt(nil, n, 10))
	return nil, nil
}

func transfer(id, from, to, amount []byte) ([]byte, error) {
	n, err := positive(amount)
	if err != nil {
		return nil, err
	}
	if bytes.Equal(from, to) {
		return nil, guest.Errorf(codeBadCommand, "transfer %s: from and to are both %s", id, from)
	}
	fromBalance, err := balance(from)
	if err != nil {
		return nil, err
	}
	toBalance, err := balance(to)
	if err != nil {
		return nil, err
	}
	if fromBalance < n {
		return nil, guest.Errorf(codeRefused, "transfer %s: %s holds %d, less than %d", id, from, fromBalance, n)
	}
	count, err := number(key(ledgerPrefix, id))
	if err != nil {
		return nil, err
	}
	fromBalance, toBalance = fromBalance-n, toBalance+n
	guest.Set(key(balancePrefix, from), strconv.AppendInt(nil, fromBalance, 10))
	guest.Set(key(balancePrefix, to), strconv.AppendInt(nil, toBalance, 10))
	guest.Set(key(ledgerPrefix, id), strconv.AppendInt(nil, count+1, 10))
	out := append(append([]byte(nil), id...), ' ')
	out = append(strconv.AppendInt(out, fromBalance, 10), ' ')
	return strconv.AppendInt(out, toBalance, 10), nil
}

func ledger(after [][]byte) ([]byte, error) {
	start := ledgerPrefix
	if len(after) == 1 {
		start = append(key(ledgerPrefix, after[0]), 0)
	}
	var out []byte
	n := 0
	for k, v := range guest.Range(start, []byte("l0")) { // "l0" follows every "l/" key
		if n == ledgerPage {
			break
		}
		out = append(append(append(append(out, k[len(ledgerPrefix):]...), ' '), v...), '\n')
		n++
	}
	return out, nil
}

// balance returns an account's balance, or error 400 if it has none.
func balance(account []byte) (int64, error) {
	k := key(balancePrefix, account)
	if _, ok := guest.Get(k); !ok {
		return 0, guest.Errorf(codeBadCommand, "no account %s", account)
	}
	return number(k)
}

// number returns the decimal number stored under k, 0 if none is.
func number(k []byte) (int64, error) {
	v, ok := guest.Get(k)
	if !ok {
		return 0, nil
	}
	n, err := strconv.ParseInt(string(v), 10, 64)
	if err != nil {
		return 0, guest.Errorf(codeBadCommand, "stored %q is not a number: %v", k, err)
	}
	return n, nil
}

// positive parses an amount, which must be a positive decimal number.
func positive(amount []byte) (int64, error) {
	n, err := strconv.ParseInt(string(amount), 10, 64)
	if err != nil || n <= 0 {
		return 0, guest.Errorf(codeBadCommand, "amount %q is not a positive number", amount)
	}
	return n, nil
}

func key(prefix, name []byte) []byte {
	return append(append([]byte(nil), prefix...), name...)
}
