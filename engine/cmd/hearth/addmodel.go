package main

import (
	"errors"
	"flag"
	"fmt"
	"os"

	"hearth/internal/modelstore"
)

func init() {
	register("add-model", "install a GGUF into the static bundle: FILE.gguf [--id NAME] [--shard-size 64MiB] [--static DIR]", runAddModel)
}

// staticDirDefault is the bundle folder: $HEARTH_STATIC, else ./static.
func staticDirDefault() string {
	if d := os.Getenv("HEARTH_STATIC"); d != "" {
		return d
	}
	return "static"
}

func runAddModel(args []string) error {
	fs := flag.NewFlagSet("add-model", flag.ContinueOnError)
	id := fs.String("id", "", "model id, the folder under <static>/models/ (default: the file name without .gguf)")
	shardSize := fs.String("shard-size", "64MiB", "bytes per shard: 64MiB, 1MB, 65536, …")
	static := fs.String("static", staticDirDefault(), "static bundle folder (env HEARTH_STATIC)")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return errors.New("want exactly one FILE.gguf (usage: hearth add-model FILE.gguf [--id NAME] [--shard-size 64MiB] [--static DIR])")
	}
	size, err := modelstore.ParseSize(*shardSize)
	if err != nil {
		return err
	}
	m, err := modelstore.Add(pos[0], modelstore.Options{Static: *static, ID: *id, ShardSize: size})
	if err != nil {
		return err
	}
	fmt.Printf("added %s (%s, %s, %s, %d parameters) to %s: %d shards, sha256 %s\n",
		m.ID, m.Name, m.Architecture, m.Quant, m.Parameters, modelstore.ModelsDir(*static), len(m.Shards), m.SHA256)
	return nil
}

// parseInterspersed parses flags that may come before or after the positional arguments
// ("FILE --id x" as well as "--id x FILE"); "--" ends the flags.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		if len(args) > len(rest) && args[len(args)-len(rest)-1] == "--" {
			return append(pos, rest...), nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}
