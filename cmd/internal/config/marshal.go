package config

import (
	"bytes"
	"fmt"
	"strconv"

	"gopkg.in/yaml.v3"
)

// Marshal writes c as a config file that Parse reads back to an equal
// Config: every field, in the order of the sample file, without comments.
func (c *Config) Marshal() ([]byte, error) {
	root := &yaml.Node{Kind: yaml.MappingNode}
	add := func(key string, v *yaml.Node) {
		root.Content = append(root.Content, str(key), v)
	}
	add("engine", str(string(or(string(c.Engine), string(EngineAuto)))))
	add("model", str(c.Model))
	add("mode", str(or(string(c.Mode), string(ModeAuto))))
	add("min_confidence", float(c.MinConfidence))
	banned := &yaml.Node{Kind: yaml.SequenceNode}
	for _, p := range c.Banned {
		if p.Name == "" && p.Action == ActionInherit && p.MinConfidence == nil {
			banned.Content = append(banned.Content, str(p.Text))
			continue
		}
		banned.Content = append(banned.Content, rule("phrase", p.Text, p.Name, p.Action, p.MinConfidence))
	}
	add("banned", banned)
	patterns := &yaml.Node{Kind: yaml.SequenceNode}
	for _, p := range c.Patterns {
		if p.Name == "" && p.Action == ActionInherit && p.MinConfidence == nil {
			patterns.Content = append(patterns.Content, str(p.Expr))
			continue
		}
		patterns.Content = append(patterns.Content, rule("pattern", p.Expr, p.Name, p.Action, p.MinConfidence))
	}
	add("patterns", patterns)
	add("known_spam", str(c.KnownSpam))
	action := c.Action
	if action == ActionInherit {
		action = ActionMute
	}
	if !action.valid() {
		return nil, c.errorAt("action", fmt.Errorf("%w %d", ErrUnknownValue, uint8(action)))
	}
	add("action", str(action.String()))
	add("hold", str(c.Hold.String()))
	add("mark", &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: fmt.Sprintf("0x%x", c.Mark)})
	add("queue", str(c.Queue.String()))
	add("queue_length", &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: strconv.FormatUint(uint64(c.QueueLength), 10)})
	add("fail_open", boolean(c.FailOpen))
	add("rtp_ports", str(c.RTPPorts.String()))
	add("metrics", str(c.Metrics))
	add("events", str(c.Events))
	add("transcript", boolean(c.Transcript))
	add("hooks", &yaml.Node{Kind: yaml.MappingNode, Content: []*yaml.Node{
		str("exec"), str(c.Hooks.Exec),
		str("webhook"), str(c.Hooks.Webhook),
		str("timeout"), str(c.Hooks.Timeout.String()),
	}})

	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(root); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

func rule(key, text, name string, a Action, conf *float64) *yaml.Node {
	n := &yaml.Node{Kind: yaml.MappingNode, Content: []*yaml.Node{str(key), str(text)}}
	if name != "" {
		n.Content = append(n.Content, str("name"), str(name))
	}
	if a != ActionInherit {
		n.Content = append(n.Content, str("action"), str(a.String()))
	}
	if conf != nil {
		n.Content = append(n.Content, str("min_confidence"), float(*conf))
	}
	return n
}

func str(s string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s} }

func float(f float64) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!float", Value: strconv.FormatFloat(f, 'g', -1, 64)}
}

func boolean(b bool) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: strconv.FormatBool(b)}
}
