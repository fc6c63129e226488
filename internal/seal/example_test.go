package seal_test

import (
	"fmt"
	"strings"

	"github.com/mvgen/mvgen/internal/seal"
)

func Example() {
	key, err := seal.ParseKey("9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08")
	if err != nil {
		panic(err)
	}
	// The additional data names the value's place: a key id and a kind.
	sealed := key.Seal([]byte("whsec_c2VjcmV0"), "mvgen_key:key_1:webhook")
	fmt.Println(strings.HasPrefix(string(sealed), seal.Prefix))

	plain, err := key.Open(sealed, "mvgen_key:key_1:webhook")
	fmt.Println(string(plain), err)

	_, err = key.Open(sealed, "mvgen_key:key_2:webhook") // moved to another row
	fmt.Println(err == seal.ErrWrongKey)
	// Output:
	// true
	// whsec_c2VjcmV0 <nil>
	// true
}
