// Package all registers every built-in source adapter. Import it for its
// side effect: `import _ "github.com/upstat/upstat/sources/all"`.
package all

import (
	_ "github.com/upstat/upstat/sources/auto"        // kind auto (detects the kind)
	_ "github.com/upstat/upstat/sources/aws"         // kind aws
	_ "github.com/upstat/upstat/sources/azure"       // kind azure
	_ "github.com/upstat/upstat/sources/betterstack" // kind betterstack
	_ "github.com/upstat/upstat/sources/cachet"      // kind cachet
	_ "github.com/upstat/upstat/sources/feed"        // kind feed (aliases rss, atom)
	_ "github.com/upstat/upstat/sources/gcp"         // kind gcp
	_ "github.com/upstat/upstat/sources/heroku"      // kind heroku
	_ "github.com/upstat/upstat/sources/html"        // kind html (presets and selectors)
	_ "github.com/upstat/upstat/sources/incidentio"  // kind incidentio
	_ "github.com/upstat/upstat/sources/instatus"    // kind instatus
	_ "github.com/upstat/upstat/sources/slack"       // kind slack
	_ "github.com/upstat/upstat/sources/statusio"    // kind statusio
	_ "github.com/upstat/upstat/sources/statuspage"  // kind statuspage
)
