package modelstore

import (
	"hearth/engine/gguf"
)

// Describe reads the summary fields of a model from its GGUF metadata; the id and file size
// are the caller's.
func Describe(f *gguf.File, id string, fileSize int64) Summary {
	s := Summary{ID: id, Architecture: f.Architecture(), FileSize: fileSize}
	if name, ok := f.String("general.name"); ok && name != "" {
		s.Name = name
	} else {
		s.Name = id
	}
	for i := range f.Tensors {
		s.Parameters += f.Tensors[i].Elements()
	}
	s.Quant = quantName(f)
	if n, ok := f.Uint(s.Architecture + ".context_length"); ok && n <= 1<<62 {
		s.ContextLength = int64(n)
	}
	if tpl, ok := f.String("tokenizer.chat_template"); ok && tpl != "" {
		s.HasChatTemplate = true
	}
	if lic, ok := f.String("general.license"); ok {
		s.License = lic
	}
	return s
}

// quantName names the file's quantization: general.file_type as llama.cpp names it
// (Q4_K_M, …), else the tensor type holding the most bytes.
func quantName(f *gguf.File) string {
	if ft, ok := f.Uint("general.file_type"); ok {
		if name, ok := fileTypes[ft]; ok {
			return name
		}
	}
	bytes := map[string]int64{}
	for _, t := range f.Tensors {
		bytes[t.Type.String()] += t.Size
	}
	best, most := "", int64(-1)
	for name, n := range bytes {
		if n > most || n == most && name < best {
			best, most = name, n
		}
	}
	return best
}

// fileTypes is llama.cpp's llama_ftype (llama.h), without the "LLAMA_FTYPE_MOSTLY_" prefix.
// Numbers 4, 5, 6 and 33–35 were removed types.
var fileTypes = map[uint64]string{
	0: "F32", 1: "F16", 2: "Q4_0", 3: "Q4_1", 7: "Q8_0", 8: "Q5_0", 9: "Q5_1",
	10: "Q2_K", 11: "Q3_K_S", 12: "Q3_K_M", 13: "Q3_K_L", 14: "Q4_K_S", 15: "Q4_K_M",
	16: "Q5_K_S", 17: "Q5_K_M", 18: "Q6_K", 19: "IQ2_XXS", 20: "IQ2_XS", 21: "Q2_K_S",
	22: "IQ3_XS", 23: "IQ3_XXS", 24: "IQ1_S", 25: "IQ4_NL", 26: "IQ3_S", 27: "IQ3_M",
	28: "IQ2_S", 29: "IQ2_M", 30: "IQ4_XS", 31: "IQ1_M", 32: "BF16", 36: "TQ1_0", 37: "TQ2_0",
	38: "MXFP4_MOE",
}
