// Command gen draws ssokeeper's icons into assets/icons and assets/app.
// Run it with `go generate ./assets` and commit what it writes.
package main

import (
	"bytes"
	"fmt"
	"image"
	"image/png"
	"log"
	"os"
	"path/filepath"
)

type kind int

const (
	kindNone kind = iota
	kindOK
	kindAttention
	kindAction
)

var kindNames = []string{"none", "ok", "attention", "action"}

var (
	traySizes = []int{16, 22, 24, 32, 48, 64}
	icoSizes  = []int{16, 24, 32, 48, 64}
	appSizes  = []int{16, 22, 24, 32, 48, 64, 128, 256}
	appICO    = []int{16, 24, 32, 48, 64, 128, 256}
)

// files returns every generated file by its path under assets/.
func files() map[string][]byte {
	out := map[string][]byte{}
	for k, name := range kindNames {
		var ico16 [][]byte
		for _, n := range traySizes {
			ls := design(kind(k), n)
			out[fmt.Sprintf("icons/%s-%d.png", name, n)] = encode(render(ls, n))
			out[fmt.Sprintf("icons/%s-template-%d.png", name, n)] = encode(render(template(ls), n))
		}
		for _, n := range icoSizes {
			ico16 = append(ico16, out[fmt.Sprintf("icons/%s-%d.png", name, n)])
		}
		out["icons/"+name+".ico"] = ico(icoSizes, ico16)
	}
	var appPNGs [][]byte
	for _, n := range appSizes {
		out[fmt.Sprintf("app/ssokeeper-%d.png", n)] = encode(render(appDesign(n), n))
	}
	for _, n := range appICO {
		appPNGs = append(appPNGs, out[fmt.Sprintf("app/ssokeeper-%d.png", n)])
	}
	out["app/ssokeeper.ico"] = ico(appICO, appPNGs)
	out["app/ssokeeper.svg"] = []byte(appSVG())
	return out
}

func encode(img image.Image) []byte {
	var buf bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestCompression}
	if err := enc.Encode(&buf, img); err != nil {
		log.Fatal(err)
	}
	return buf.Bytes()
}

func main() {
	for name, data := range files() {
		if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
			log.Fatal(err)
		}
		if err := os.WriteFile(name, data, 0o644); err != nil {
			log.Fatal(err)
		}
	}
}
