package main

import (
	"fmt"
	"os"

	"hearth/engine/gguf"
	"hearth/engine/model"
)

// openGGUF reads a whole GGUF file into memory (weights are then used in place).
func openGGUF(path string) (*gguf.File, error) {
	if path == "" {
		return nil, fmt.Errorf("no model file: pass -m FILE.gguf")
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	f, err := gguf.Open(gguf.Bytes(b), int64(len(b)))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return f, nil
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
