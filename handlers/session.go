package handlers

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"healthpassport/views"

	"github.com/gin-gonic/gin"
)

const idleWarningPath = "/session/warning"

// localPathPattern is the shape of our own pages' paths: one slash before
// each segment of letters, digits, dots, dashes, underscores and tildes.
var localPathPattern = regexp.MustCompile(`^(/[A-Za-z0-9._~-]+)+/?$`)

// maxDecodings bounds how many times a return address is decoded; our own
// addresses are encoded at most once.
const maxDecodings = 3

// localPath is the one judge of a return address taken from a request: it
// gives back a path on this site, or the home page. Browsers forgive a lot
// (a backslash for a slash, tabs and newlines dropped, other slashes,
// addresses encoded again and again), so it decodes the address until
// nothing changes and keeps it only if it has the shape of our own paths.
func localPath(address string) string {
	path := address
	for decodings := 0; ; decodings++ {
		decoded, err := url.PathUnescape(path)
		if err != nil || decodings > maxDecodings {
			return "/"
		}
		if decoded == path {
			break
		}
		path = decoded
	}
	if !localPathPattern.MatchString(path) || strings.HasPrefix(path, idleWarningPath) {
		return "/"
	}
	return path
}

// idleWarning warns without JavaScript that the session is about to end.
// Shown a minute before the end, it goes back to the page the person was on
// a little after the end: by then the session has ended, so they see that
// they have been signed out, unless they chose to stay.
func (h *Handler) idleWarning(c *gin.Context) {
	returnTo := localPath(c.Query("return"))
	page := h.page(c, "You will be signed out soon", nil)
	page.IdleTimeout = 0 // this page keeps its own time
	page.Refresh = fmt.Sprintf("%d; url=%s", int((views.IdleWarning + 15*time.Second).Seconds()), returnTo)
	render(c, http.StatusOK, views.IdleWarningPage(page, returnTo))
}

// extendSession is the "stay signed in" button: any request counts as
// activity, so it only needs to go back where the person was.
func (h *Handler) extendSession(c *gin.Context) {
	redirect(c, localPath(c.PostForm("return")))
}
