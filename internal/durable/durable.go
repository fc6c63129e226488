// Package durable makes file system changes that survive a power loss once
// they return: a file's data is flushed (fsync) before it is renamed into
// place, and the directory that holds the new name is flushed after, so a
// crash leaves either no file under the name or the whole file, never an
// empty or partial one. mvgen marks a task SUCCESS only after its video was
// put in place this way.
package durable

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// Rename flushes the file at oldpath, renames it to newpath and flushes the
// directory of newpath (and of oldpath, when it is another directory, so the
// old name does not come back).
func Rename(oldpath, newpath string) error {
	if err := SyncFile(oldpath); err != nil {
		return err
	}
	if err := os.Rename(oldpath, newpath); err != nil {
		return err
	}
	if err := SyncDir(filepath.Dir(newpath)); err != nil {
		return err
	}
	if od := filepath.Dir(oldpath); od != filepath.Dir(newpath) {
		return SyncDir(od)
	}
	return nil
}

// SyncFile flushes the data of the file at path to the disk.
func SyncFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	err = f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("flushing %s: %w", path, err)
	}
	return nil
}

// SyncDir flushes the directory dir: the names created, renamed or removed
// in it.
func SyncDir(dir string) error {
	f, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("flushing directory %s: %w", dir, err)
	}
	return nil
}

// MkdirAll is os.MkdirAll that also flushes the parent of every directory
// it creates, so the new directories survive a power loss too.
func MkdirAll(dir string, perm fs.FileMode) error {
	dir = filepath.Clean(dir)
	if fi, err := os.Stat(dir); err == nil {
		if !fi.IsDir() {
			return &fs.PathError{Op: "mkdir", Path: dir, Err: errors.New("not a directory")}
		}
		return nil
	}
	parent := filepath.Dir(dir)
	if parent != dir {
		if err := MkdirAll(parent, perm); err != nil {
			return err
		}
	}
	if err := os.Mkdir(dir, perm); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return nil // made meanwhile by another goroutine or process
		}
		return err
	}
	return SyncDir(parent)
}
