package autostart

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

// agentLabel names the LaunchAgent; launchd knows the job by it.
const agentLabel = "io.ssokeeper.agent"

// launchAgent is a per-user launchd job in ~/Library/LaunchAgents that runs
// once at login (RunAtLoad) and is not restarted when the user quits it.
type launchAgent struct{ file string }

func (l launchAgent) where() string { return l.file }

func (l launchAgent) write(exe string) error { return writeFile(l.file, agentPlist(exe)) }

func (l launchAgent) remove() error { return removeFile(l.file) }

func agentPlist(exe string) []byte {
	var b bytes.Buffer
	b.WriteString(xml.Header)
	b.WriteString(`<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">` + "\n")
	b.WriteString("<plist version=\"1.0\">\n<dict>\n")
	fmt.Fprintf(&b, "\t<key>Label</key>\n\t<string>%s</string>\n", agentLabel)
	b.WriteString("\t<key>ProgramArguments</key>\n\t<array>\n\t\t<string>")
	xml.EscapeText(&b, []byte(exe))
	b.WriteString("</string>\n\t</array>\n")
	b.WriteString("\t<key>RunAtLoad</key>\n\t<true/>\n")
	b.WriteString("\t<key>KeepAlive</key>\n\t<false/>\n")
	// Interactive: launchd gives a UI agent the resources of an app.
	b.WriteString("\t<key>ProcessType</key>\n\t<string>Interactive</string>\n")
	b.WriteString("</dict>\n</plist>\n")
	return b.Bytes()
}

func (l launchAgent) read() (command, program string, found bool, err error) {
	data, err := os.ReadFile(l.file)
	if errors.Is(err, os.ErrNotExist) {
		return "", "", false, nil
	}
	if err != nil {
		return "", "", false, err
	}
	args, disabled, err := agentArgs(data)
	if err != nil {
		return "", "", true, err
	}
	if disabled {
		return "", "", false, nil
	}
	return strings.Join(args, " "), args[0], true, nil
}

// agentArgs reads ProgramArguments and Disabled from the
// top-level dict of an XML plist.
func agentArgs(data []byte) (args []string, disabled bool, err error) {
	d := xml.NewDecoder(bytes.NewReader(data))
	depth, key := 0, ""
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, false, fmt.Errorf("not a valid plist: %w", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			if depth != 3 { // plist > dict > value
				continue
			}
			switch {
			case t.Name.Local == "key":
				var k string
				if err := d.DecodeElement(&k, &t); err != nil {
					return nil, false, err
				}
				key, depth = k, depth-1
				continue
			case key == "ProgramArguments" && t.Name.Local == "array":
				var a struct {
					S []string `xml:"string"`
				}
				if err := d.DecodeElement(&a, &t); err != nil {
					return nil, false, err
				}
				args, depth = a.S, depth-1
			case key == "Disabled":
				disabled = t.Name.Local == "true"
			}
			key = ""
		case xml.EndElement:
			depth--
		}
	}
	if len(args) == 0 {
		return nil, false, errors.New("the plist has no ProgramArguments")
	}
	return args, disabled, nil
}
