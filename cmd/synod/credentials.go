package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

// The CLI's credentials file maps a gateway URL to the API token to send
// it, as docker's config maps registries to logins. `synod dev` writes
// its cluster's admin token there, and `synod login` any token; a token in
// SYNOD_TOKEN wins over the file. The file lives in the user's config
// directory ($XDG_CONFIG_HOME/synod/credentials.json, or
// ~/.config/synod/credentials.json), readable only by its owner.

// credentialsPath returns the credentials file's path.
func credentialsPath() (string, error) {
	dir, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("find the credentials file: %w", err)
	}
	return filepath.Join(dir, "synod", "credentials.json"), nil
}

// tokenFor returns the token to send addr: SYNOD_TOKEN, else the one the
// credentials file holds for addr, else "".
func tokenFor(addr string) (string, error) {
	if tok := os.Getenv("SYNOD_TOKEN"); tok != "" {
		return tok, nil
	}
	path, err := credentialsPath()
	if err != nil {
		return "", err
	}
	creds, err := readCredentials(path)
	return creds[addr], err
}

// saveToken records the token to send addr in the credentials file.
func saveToken(addr, token string) (string, error) {
	path, err := credentialsPath()
	if err != nil {
		return "", err
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("save credentials: %w", err)
	}
	if err := os.Chmod(dir, 0o700); err != nil {
		return "", fmt.Errorf("save credentials: %w", err)
	}
	// A lock, so that two processes saving at once both keep their token.
	lock, err := os.OpenFile(path+".lock", os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return "", fmt.Errorf("save credentials: %w", err)
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		return "", fmt.Errorf("save credentials: lock %s: %w", lock.Name(), err)
	}
	creds, err := readCredentials(path)
	if err != nil {
		return "", err
	}
	creds[addr] = token
	b, err := json.MarshalIndent(creds, "", "  ")
	if err != nil {
		return "", fmt.Errorf("save credentials: %w", err)
	}
	// A fresh file (CreateTemp makes it 0600, and never follows a link),
	// renamed over the old one.
	tmp, err := os.CreateTemp(dir, "credentials-*.json")
	if err != nil {
		return "", fmt.Errorf("save credentials: %w", err)
	}
	_, err = tmp.Write(append(b, '\n'))
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		_ = os.Remove(tmp.Name())
		return "", fmt.Errorf("save credentials: %w", err)
	}
	return path, nil
}

func readCredentials(path string) (map[string]string, error) {
	creds := make(map[string]string)
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return creds, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read credentials: %w", err)
	}
	if err := json.Unmarshal(b, &creds); err != nil {
		return nil, fmt.Errorf("read credentials %s: %w", path, err)
	}
	return creds, nil
}
