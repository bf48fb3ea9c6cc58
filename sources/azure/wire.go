package azure

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"html"
	"regexp"
	"strings"
)

// wireRSS is the Azure status feed: RSS 2.0 whose channel has one item
// per open incident and none when all is well.
type wireRSS struct {
	XMLName xml.Name     `xml:"rss"`
	Channel *wireChannel `xml:"channel"`
}

type wireChannel struct {
	Title         string     `xml:"title"`
	LastBuildDate string     `xml:"lastBuildDate"`
	Items         []wireItem `xml:"item"`
}

type wireItem struct {
	Title       string `xml:"title"`
	Description string `xml:"description"`
	Link        string `xml:"link"`
	PubDate     string `xml:"pubDate"`
	GUID        string `xml:"guid"`
}

// decode reads the feed. A document whose root is not <rss> with a
// <channel> (an HTML page, an Atom feed, JSON) is an error naming it.
func decode(body []byte) (*wireChannel, error) {
	root, err := rootElement(body)
	if err != nil {
		return nil, err
	}
	if root != "rss" {
		return nil, fmt.Errorf("not the Azure status RSS: root element is <%s>", root)
	}
	var doc wireRSS
	if err := xml.Unmarshal(body, &doc); err != nil {
		return nil, fmt.Errorf("decode: %w", err)
	}
	if doc.Channel == nil {
		return nil, errors.New("not the Azure status RSS: no <channel>")
	}
	for i, it := range doc.Channel.Items {
		if strings.TrimSpace(it.Title) == "" {
			return nil, fmt.Errorf("not the Azure status RSS: item %d has no title", i)
		}
	}
	return doc.Channel, nil
}

// rootElement returns the local name of the document's first element.
func rootElement(body []byte) (string, error) {
	d := xml.NewDecoder(bytes.NewReader(body))
	d.Strict = false
	for {
		tok, err := d.Token()
		if err != nil {
			b := bytes.TrimSpace(body)
			if len(b) > 24 {
				b = b[:24]
			}
			return "", fmt.Errorf("not the Azure status RSS: no XML element, body starts with %q", b)
		}
		if se, ok := tok.(xml.StartElement); ok {
			return strings.ToLower(se.Name.Local), nil
		}
	}
}

var (
	breakTags = regexp.MustCompile(`(?i)<br\s*/?>|</p>|</li>|</div>`)
	anyTag    = regexp.MustCompile(`<[^>]*>`)
	// sections are the labels Azure runs together without separators
	// ("…in this region.Preliminary root cause: …").
	sections = regexp.MustCompile(`(?i)\s*(Summary of impact|Preliminary root cause|Root cause|Mitigation|Next steps|Current status|Workaround|Impact statement|Customer impact):`)
)

// text turns an item description into plain text, one section a line.
func text(desc string) string {
	s := breakTags.ReplaceAllString(html.UnescapeString(desc), "\n")
	s = anyTag.ReplaceAllString(s, " ")
	s = html.UnescapeString(s)
	s = sections.ReplaceAllString(s, "\n$1:")
	var lines []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.Join(strings.Fields(l), " "); l != "" {
			lines = append(lines, l)
		}
	}
	return strings.Join(lines, "\n")
}
