package models

import (
	"fmt"
	"os"
	"path/filepath"
)

// voskLayout names the files of one of the two directory layouts libvosk's
// Model::Model accepts: V2 (am/, conf/, graph/, as every published model
// since 2020) and V1 (everything at the top).
type voskLayout struct {
	am, modelConf, mfcc      string
	hclg, hclr, gr, disambig string
	words, wordBoundary      string
}

var (
	voskV2 = voskLayout{
		am: "am/final.mdl", modelConf: "conf/model.conf", mfcc: "conf/mfcc.conf",
		hclg: "graph/HCLG.fst", hclr: "graph/HCLr.fst", gr: "graph/Gr.fst",
		disambig: "graph/disambig_tid.int",
		words:    "graph/words.txt", wordBoundary: "graph/phones/word_boundary.int",
	}
	voskV1 = voskLayout{
		am: "final.mdl", mfcc: "mfcc.conf",
		hclg: "HCLG.fst", hclr: "HCLr.fst", gr: "Gr.fst",
		disambig: "disambig_tid.int",
		words:    "words.txt", wordBoundary: "word_boundary.int",
	}
)

// Optional parts of a Vosk model: when the first file is there, libvosk
// loads the others too and aborts the process if one is missing.
var voskOptionalSets = [][]string{
	{"ivector/final.ie", "ivector/final.dubm", "ivector/final.mat",
		"ivector/global_cmvn.stats", "ivector/online_cmvn.conf", "ivector/splice.conf"},
	{"rescore/G.carpa", "rescore/G.fst"},
	{"rnnlm/final.raw", "rnnlm/feat_embedding.final.mat", "rnnlm/word_feats.txt",
		"rnnlm/special_symbol_opts.conf"},
}

// ValidateVosk checks that dir holds every file libvosk's Model::Model reads
// (src/model.cc: ConfigureV2/ConfigureV1 and ReadDataFiles) and describes the
// model. For the V2 layout of published models that is:
//
//   - am/final.mdl, conf/model.conf and conf/mfcc.conf;
//   - graph/HCLG.fst with graph/words.txt (big models), or graph/HCLr.fst,
//     graph/Gr.fst and graph/disambig_tid.int (small, lookahead models,
//     whose Gr.fst carries the word table);
//   - graph/phones/word_boundary.int, which libvosk treats as optional but
//     without which it cannot time words, and spitfilter needs word times;
//   - every file of the i-vector extractor, the rescoring LM and the RNNLM
//     when the model has one (ivector/final.ie, rescore/G.carpa,
//     rnnlm/final.raw), since libvosk loads the rest unconditionally.
//
// The V1 layout (final.mdl and mfcc.conf at the top) is accepted as well.
// The sample rate is read from the MFCC configuration.
func ValidateVosk(dir string) (*Model, error) {
	dir, err := checkDir(Vosk, dir)
	if err != nil {
		return nil, err
	}
	l := voskV2
	if !exists(dir, voskV2.am) && exists(dir, voskV1.am) && exists(dir, voskV1.mfcc) {
		l = voskV1
	}
	for _, rel := range []string{l.am, l.modelConf, l.mfcc} {
		if rel == "" {
			continue // V1 has no model.conf
		}
		if err := require(Vosk, dir, rel); err != nil {
			return nil, err
		}
	}
	var graph []string
	switch {
	case exists(dir, l.hclg):
		graph = []string{l.words}
	case exists(dir, l.hclr) || exists(dir, l.gr):
		graph = []string{l.hclr, l.gr, l.disambig}
	default:
		return nil, &MissingFileError{Engine: Vosk, Dir: dir, Problem: "missing",
			File: fmt.Sprintf("a decoding graph (%s, or %s and %s)", l.hclg, l.hclr, l.gr)}
	}
	for _, rel := range append(graph, l.wordBoundary) {
		if err := require(Vosk, dir, rel); err != nil {
			return nil, err
		}
	}
	for _, set := range voskOptionalSets {
		if !exists(dir, set[0]) {
			continue
		}
		for _, rel := range set[1:] {
			if err := require(Vosk, dir, rel); err != nil {
				return nil, err
			}
		}
	}
	conf := filepath.Join(dir, filepath.FromSlash(l.mfcc))
	b, err := os.ReadFile(conf)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidModel, err)
	}
	rate, err := parseMFCCConf(b)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrBadConfig, conf, err)
	}
	size, err := treeSize(dir)
	if err != nil {
		return nil, fmt.Errorf("%w: vosk model %s: %w", ErrInvalidModel, dir, err)
	}
	return &Model{Engine: Vosk, Name: filepath.Base(dir), Path: dir, SampleRate: rate, Size: size}, nil
}
