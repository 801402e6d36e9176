package main

import (
	"errors"
	"fmt"
	"io"
	"os"

	"hearth/engine/gguf"
	"hearth/engine/model"
)

// maxModelFile bounds the model file read into memory: far above any model Hearth runs,
// and a clear error rather than an attempt for anything bigger.
const maxModelFile = 256 << 30

// openGGUF reads a whole GGUF file into memory (weights are then used in place). Only a
// regular file is read, and exactly the size it has: /dev/zero, a FIFO or a terminal is
// refused up front instead of being read until memory runs out; and its header is read
// first, so a file that is not a GGUF model is refused before its bytes are.
func openGGUF(path string) (*gguf.File, error) {
	if path == "" {
		return nil, fmt.Errorf("no model file: pass -m FILE.gguf")
	}
	if err := checkHeader(path); err != nil {
		return nil, err
	}
	b, err := readFileMax(path, maxModelFile)
	if err != nil {
		return nil, err
	}
	f, err := gguf.Open(gguf.Bytes(b), int64(len(b)))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return f, nil
}

// checkHeader opens path as a regular file and reads its GGUF header in place.
func checkHeader(path string) error {
	f, st, err := openRegular(path)
	if err != nil {
		return err
	}
	defer f.Close()
	if _, err := gguf.Open(f, st.Size()); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

// readFileMax reads the regular file at path, of at most max bytes: its size is known
// before anything is read, and a file that grows while it is read is an error.
func readFileMax(path string, max int64) ([]byte, error) {
	f, st, err := openRegular(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if st.Size() > max {
		return nil, fmt.Errorf("%s: %d bytes, over the %d-byte limit", path, st.Size(), max)
	}
	b := make([]byte, st.Size())
	if _, err := io.ReadFull(f, b); err != nil {
		if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("%s: the file shrank while it was read", path)
		}
		return nil, err
	}
	if n, _ := f.Read(make([]byte, 1)); n > 0 {
		return nil, fmt.Errorf("%s: the file grew while it was read", path)
	}
	return b, nil
}

// openRegular opens path when it is a regular file. It looks before it opens: opening a
// named pipe would wait for a writer.
func openRegular(path string) (*os.File, os.FileInfo, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, nil, fmt.Errorf("%s: not a regular file (%s); give a file on disk", path, kindOf(st.Mode()))
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	if st, err = f.Stat(); err != nil || !st.Mode().IsRegular() {
		f.Close()
		return nil, nil, fmt.Errorf("%s: not a regular file", path)
	}
	return f, st, nil
}

// readInputMax reads path ("-": standard input) up to max bytes, refusing more.
func readInputMax(path string, max int64) ([]byte, error) {
	if path != "-" {
		return readFileMax(path, max)
	}
	b, err := io.ReadAll(io.LimitReader(os.Stdin, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > max {
		return nil, fmt.Errorf("standard input: over the %d-byte limit", max)
	}
	return b, nil
}

func kindOf(m os.FileMode) string {
	switch {
	case m&os.ModeDir != 0:
		return "a folder"
	case m&os.ModeCharDevice != 0:
		return "a character device"
	case m&os.ModeDevice != 0:
		return "a device"
	case m&os.ModeNamedPipe != 0:
		return "a named pipe"
	case m&os.ModeSocket != 0:
		return "a socket"
	}
	return "mode " + m.String()
}

func loadModel(path string) (*model.Model, error) {
	f, err := openGGUF(path)
	if err != nil {
		return nil, err
	}
	m, err := model.Load(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return m, nil
}
