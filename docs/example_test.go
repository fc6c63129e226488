package docs_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/mvgen/mvgen/docs"
)

// Serve the API's OpenAPI document next to the API.
func ExampleOpenAPIHandler() {
	mux := http.NewServeMux()
	mux.Handle("GET /openapi.json", docs.OpenAPIHandler())
	srv := httptest.NewServer(mux)
	defer srv.Close()

	resp, err := http.Get(srv.URL + "/openapi.json")
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	fmt.Println(resp.Header.Get("Content-Type"))
	fmt.Println(strings.Split(string(body), "\n")[1])
	// Output:
	// application/json
	//   "openapi": "3.1.0",
}
