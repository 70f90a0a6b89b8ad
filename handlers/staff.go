package handlers

import (
	"time"

	"errors"
	"net/http"
	"strconv"
	"strings"

	"healthpassport/models"
	"healthpassport/views"

	"github.com/gin-gonic/gin"
)

func organisationIDs(organisations []models.Organisation) []uint {
	ids := make([]uint, len(organisations))
	for i, o := range organisations {
		ids[i] = o.ID
	}
	return ids
}

// loadStaffMember finds the member of staff named in the path among those
// who work where the administrator looks after, and refuses, with an audit
// entry, anyone else.
func (h *Handler) loadStaffMember(c *gin.Context) {
	id, ok := h.idParam(c, "id")
	if !ok {
		return
	}
	member, err := h.store.StaffMemberAt(c.Request.Context(), principalOf(c).AdministeredIDs(), id)
	handOn(h, c, theStaffMember, member, err, models.AuditEntry{TargetType: "user", TargetID: c.Param("id")})
}

func staffMemberOf(c *gin.Context) *models.StaffMember {
	return theStaffMember.loaded(c)
}

func staffPath(member *models.StaffMember) string { return "/staff/" + strconv.Itoa(int(member.ID)) }

func (h *Handler) staff(c *gin.Context) {
	organisations := principalOf(c).Administered
	nav := views.StaffList.Asked(c.Query)
	staff, err := h.store.StaffOf(c.Request.Context(), organisationIDs(organisations), nav.Filter.Selected, nav.Page)
	if err != nil {
		h.serverError(c, err)
		return
	}
	nav.Pagination = staff.Pagination
	render(c, http.StatusOK, views.StaffPage(h.page(c, "Staff", nil), staff.Rows, nav))
}

func (h *Handler) inviteStaffForm(c *gin.Context) {
	organisations := principalOf(c).Administered
	render(c, http.StatusOK, views.InviteStaffPage(h.page(c, "Invite a member of staff", nil), organisations))
}

func (h *Handler) inviteStaff(c *gin.Context) {
	organisations := principalOf(c).Administered
	form := views.NewForm()
	staff, errs := models.CheckStaff(models.StaffEntry{Name: formValue(c, form, "name"), Email: formValue(c, form, "email"),
		Role: formValue(c, form, "role"), Organisations: organisationsValue(c, form)}, organisations)
	addErrors(form, errs)
	if !form.HasErrors() {
		user, code, err := h.store.InviteStaff(c.Request.Context(), actor(c), staff)
		switch {
		case errors.Is(err, models.ErrEmailTaken):
			form.Add("email", "A member of staff already has this email address")
		case err != nil:
			h.serverError(c, err)
			return
		default:
			h.holdLetterCode(c, staffLetterKey(user.ID), code)
			redirect(c, "/staff/"+strconv.Itoa(int(user.ID))+"/activation-letter")
			return
		}
	}
	render(c, http.StatusUnprocessableEntity, views.InviteStaffPage(h.page(c, "Invite a member of staff", form), organisations))
}

// organisationsValue reads the ticked organisations, keeping them on the
// form as a comma-separated list so a form shown again keeps them ticked.
func organisationsValue(c *gin.Context, form *views.Form) []string {
	var chosen []string
	for _, value := range c.PostFormArray("organisations") {
		if _, ok := parseID(value); ok {
			chosen = append(chosen, value)
		} else {
			form.Add("organisations", "Choose where they work from the list")
		}
	}
	form.Values["organisations"] = strings.Join(chosen, ",")
	return chosen
}

func staffLetterKey(userID uint) string { return "staff-" + strconv.Itoa(int(userID)) }

func (h *Handler) staffMember(c *gin.Context) {
	member := staffMemberOf(c)
	h.showStaffMember(c, http.StatusOK, member, nil)
}

func (h *Handler) showStaffMember(c *gin.Context, status int, member *models.StaffMember, form *views.Form) {
	devices, err := h.store.Devices(c.Request.Context(), member.ID)
	if err != nil {
		h.serverError(c, err)
		return
	}
	if form == nil {
		form = views.NewForm()
		form.Values["role"] = string(member.Role)
		form.Values["organisations"] = joinIDs(organisationIDs(member.Organisations))
	}
	throttled := false
	if member.Activated {
		if throttled, err = h.store.AccountThrottled(c.Request.Context(), member.Username); err != nil {
			h.serverError(c, err)
			return
		}
	}
	organisations := principalOf(c).Administered
	page := h.page(c, member.DisplayName, form)
	render(c, status, views.StaffMemberPage(page, views.StaffDetails{Member: member, Devices: devices,
		Organisations: organisations, Own: member.ID == currentUser(c).ID, Throttled: throttled}))
}

func joinIDs(ids []uint) string {
	values := make([]string, len(ids))
	for i, id := range ids {
		values[i] = strconv.Itoa(int(id))
	}
	return strings.Join(values, ",")
}

func (h *Handler) changeStaffAccess(c *gin.Context) {
	member := staffMemberOf(c)
	form := views.NewForm()
	access, errs := models.CheckStaffAccess(formValue(c, form, "role"), organisationsValue(c, form),
		principalOf(c).Administered)
	addErrors(form, errs)
	if !form.HasErrors() {
		err := h.store.ChangeStaffAccess(c.Request.Context(), actor(c), member.ID, access)
		switch {
		case errors.Is(err, models.ErrOwnAccount):
			form.Add("role", "You cannot change your own role or where you work. Ask another administrator")
		case errors.Is(err, models.ErrLastAdmin):
			form.Add("role", "You cannot change the role of the only administrator. Invite another administrator first")
		case err != nil:
			h.serverError(c, err)
			return
		default:
			h.flash(c, "Role and organisations saved for "+member.DisplayName)
			redirect(c, staffPath(member))
			return
		}
	}
	h.showStaffMember(c, http.StatusUnprocessableEntity, member, form)
}

func (h *Handler) confirmDisableStaff(c *gin.Context) {
	member := staffMemberOf(c)
	render(c, http.StatusOK, views.DisableStaffPage(h.page(c, "Switch off "+member.DisplayName+"'s account", nil), member))
}

func (h *Handler) disableStaff(c *gin.Context) {
	member := staffMemberOf(c)
	err := h.store.DisableStaff(c.Request.Context(), actor(c), member.ID)
	form := views.NewForm()
	switch {
	case errors.Is(err, models.ErrOwnAccount):
		form.Add("confirm", "You cannot switch off your own account. Ask another administrator")
	case errors.Is(err, models.ErrLastAdmin):
		form.Add("confirm", "You cannot switch off the only administrator's account. Invite another administrator first")
	case err != nil:
		h.serverError(c, err)
		return
	default:
		h.flash(c, member.DisplayName+"'s account is switched off and they are signed out everywhere")
		redirect(c, staffPath(member))
		return
	}
	render(c, http.StatusUnprocessableEntity, views.DisableStaffPage(h.page(c, "Switch off "+member.DisplayName+"'s account", form), member))
}

func (h *Handler) staffLetter(c *gin.Context) {
	member := staffMemberOf(c)
	organisations := principalOf(c).Administered
	letter := views.StaffLetter{Member: member, Address: h.publicAddress + "/activate/staff",
		Code: h.takeLetterCode(c, staffLetterKey(member.ID)), NewCodeURL: staffPath(member) + "/activation-code", Date: time.Now()}
	if len(organisations) > 0 {
		letter.From = organisations[0]
	}
	render(c, http.StatusOK, views.StaffLetterPage(h.page(c, "Activation letter for "+member.DisplayName, nil), letter))
}

func (h *Handler) newStaffCode(c *gin.Context) {
	member := staffMemberOf(c)
	code, err := h.store.NewStaffCode(c.Request.Context(), actor(c), member)
	if errors.Is(err, models.ErrWrongStatus) {
		h.flash(c, member.DisplayName+" has already set up their account")
		redirect(c, staffPath(member))
		return
	}
	if err != nil {
		h.serverError(c, err)
		return
	}
	h.holdLetterCode(c, staffLetterKey(member.ID), code)
	redirect(c, staffPath(member)+"/activation-letter")
}

func (h *Handler) signOutStaffDevice(c *gin.Context) {
	member := staffMemberOf(c)
	deviceID, ok := h.idParam(c, "device")
	if !ok {
		return
	}
	err := h.store.SignOutStaffDevice(c.Request.Context(), actor(c), member.ID, deviceID)
	if errors.Is(err, models.ErrNotFound) {
		h.notFound(c)
		return
	}
	if err != nil {
		h.serverError(c, err)
		return
	}
	h.flash(c, member.DisplayName+" is signed out on that device")
	redirect(c, staffPath(member))
}

func (h *Handler) signOutStaffEverywhere(c *gin.Context) {
	member := staffMemberOf(c)
	if _, err := h.store.SignOutStaffEverywhere(c.Request.Context(), actor(c), member.ID); err != nil {
		h.serverError(c, err)
		return
	}
	h.flash(c, member.DisplayName+" is signed out on every device")
	redirect(c, staffPath(member))
}

// unlockStaff lets a member of staff whose sign-ins are throttled after
// too many wrong passwords sign in again at once.
func (h *Handler) unlockStaff(c *gin.Context) {
	member := staffMemberOf(c)
	if err := h.store.UnlockAccount(c.Request.Context(), actor(c), &member.User); err != nil {
		h.serverError(c, err)
		return
	}
	h.flash(c, member.DisplayName+" can sign in again")
	redirect(c, staffPath(member))
}
