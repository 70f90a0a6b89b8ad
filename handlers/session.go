package handlers

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"healthpassport/views"

	"github.com/gin-gonic/gin"
)

const idleWarningPath = "/session/warning"

// localPath keeps a return address on this site: a path, never a full
// address or a protocol-relative one.
func localPath(path string) string {
	u, err := url.Parse(path)
	if err != nil || !strings.HasPrefix(path, "/") || strings.HasPrefix(path, "//") || strings.HasPrefix(path, "/\\") ||
		u.Host != "" || u.Scheme != "" || strings.HasPrefix(u.Path, idleWarningPath) {
		return "/"
	}
	return u.Path
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
