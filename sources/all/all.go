// Package all registers every built-in source adapter. Import it for its
// side effect: `import _ "github.com/upstat/upstat/sources/all"`.
package all

import (
	_ "github.com/upstat/upstat/sources/aws"        // kind aws
	_ "github.com/upstat/upstat/sources/azure"      // kind azure
	_ "github.com/upstat/upstat/sources/feed"       // kind feed (aliases rss, atom)
	_ "github.com/upstat/upstat/sources/gcp"        // kind gcp
	_ "github.com/upstat/upstat/sources/heroku"     // kind heroku
	_ "github.com/upstat/upstat/sources/html"       // kind html (presets and selectors)
	_ "github.com/upstat/upstat/sources/slack"      // kind slack
	_ "github.com/upstat/upstat/sources/statuspage" // kind statuspage
)
