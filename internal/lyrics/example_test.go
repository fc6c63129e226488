package lyrics_test

import (
	"fmt"

	"github.com/mvgen/mvgen/internal/lyrics"
)

func ExampleParseLRC() {
	l, err := lyrics.ParseLRC([]byte("[ar:Someone]\n[00:12.30]<00:12.30>Hello <00:12.90>world<00:13.60>\n[00:15.00]\n"))
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, line := range l.Lines {
		fmt.Printf("%v–%v %q\n", line.Start, line.End, line.Text)
		for _, w := range line.Words {
			fmt.Printf("  %v %q\n", w.Start, w.Text)
		}
	}
	_, err = lyrics.ParseLRC([]byte("[00:01.00]fine\n[00:7x.00]broken"))
	fmt.Println(err)
	// Output:
	// 12.3s–15s "Hello world"
	//   12.3s "Hello"
	//   12.9s "world"
	// lyrics: line 2, column 2: time tag [00:7x.00]: want mm:ss.xx
}
