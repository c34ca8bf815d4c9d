// Package config reads spitfilter's configuration file, the one YAML schema
// both commands (spitfilter and spitcheck) use.
//
// Loading is strict: unknown keys, values of the wrong type, unknown
// engines, modes and actions, bad port ranges and queues, regular
// expressions that do not compile, empty or duplicate phrases are all
// errors, and every one is reported, not just the first. Each error names
// the file, line and column, and the field:
//
//	spitfilter.yaml:12:5: banned[3]: empty phrase
//
// [Parse] and [Load] return a validated [*Config]; [Config.Rules] turns its
// banned phrases and patterns into plain [Rule] values that the spotter's
// matcher is built from. [NormalizePhrase] is the normalisation the matcher
// applies to transcripts as well (lower case, single spaces, punctuation
// trimmed, digits spelled as words), so a banned "Press 1!" matches the
// heard words "press one".
//
// testdata/sample.yaml is a commented sample of every field.
package config
