package views

import "strings"

// DeviceName describes the browser and system a User-Agent header names,
// in words people recognise, such as "Chrome on Android" or "Safari on
// iPhone", so they can tell their devices apart. Browsers name others they
// are compatible with (Edge says it is Chrome and Safari too), so the
// markers are checked most particular first.
func DeviceName(userAgent string) string {
	browser := firstMarked(userAgent, browserMarkers)
	if browser == "" {
		return "Unknown browser"
	}
	if system := firstMarked(userAgent, systemMarkers); system != "" {
		return browser + " on " + system
	}
	return browser
}

type marker struct{ text, name string }

var browserMarkers = []marker{
	{"SamsungBrowser/", "Samsung Internet"},
	{"Edg/", "Edge"}, {"EdgA/", "Edge"}, {"EdgiOS/", "Edge"}, {"Edge/", "Edge"},
	{"OPR/", "Opera"}, {"OPiOS/", "Opera"},
	{"Firefox/", "Firefox"}, {"FxiOS/", "Firefox"},
	{"CriOS/", "Chrome"}, {"Chrome/", "Chrome"},
	{"Safari/", "Safari"},
}

// systemMarkers put the phones and tablets first: an iPhone says it is
// "like Mac OS X", and Android says it is Linux.
var systemMarkers = []marker{
	{"iPhone", "iPhone"}, {"iPad", "iPad"}, {"Android", "Android"},
	{"Windows", "Windows"}, {"CrOS", "ChromeOS"}, {"Macintosh", "Mac"}, {"Linux", "Linux"},
}

func firstMarked(userAgent string, markers []marker) string {
	for _, m := range markers {
		if strings.Contains(userAgent, m.text) {
			return m.name
		}
	}
	return ""
}
