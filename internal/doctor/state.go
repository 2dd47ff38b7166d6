package doctor

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/ssokeeper/ssokeeper/session/store"
)

// NameState is the check of state.json, the cache of times and diagnoses.
const NameState = "state file"

// StateFile checks state.json. It is a cache: a lost or corrupt one signs
// nobody out (sessions are rebuilt from the keyring), so at worst this
// warns, and says which corrupt copies were kept aside for a look.
func StateFile(path string) Check {
	_, err := store.LoadState(path)
	aside := store.CorruptFiles(path)
	switch {
	case errors.Is(err, store.ErrCorruptState):
		return warn(NameState, err.Error(),
			"Nothing to do: the agent keeps the file aside and rebuilds it from the keyring when it starts or writes it.")
	case err != nil:
		return warn(NameState, err.Error()+"; sessions keep working with their state in memory",
			"Make "+filepath.Dir(path)+" writable by you (a read-only or full disk also causes this).")
	case len(aside) > 0:
		names := make([]string, len(aside))
		for i, a := range aside {
			names[i] = filepath.Base(a)
		}
		return warn(NameState, fmt.Sprintf("%s was found corrupt and kept aside as %s; sessions were rebuilt from the keyring",
			filepath.Base(path), strings.Join(names, ", ")),
			"Nothing to do. Delete the kept copy in "+filepath.Dir(path)+" once you no longer need it.")
	}
	return pass(NameState, path)
}
