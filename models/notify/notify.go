// Package notify sends SMS, email and letters through GOV.UK Notify's API,
// version 2: a small client of our own, since the official Go client is no
// longer kept. Each request is signed with a fresh JSON Web Token (HS256,
// the service id as issuer, the time of issue), as Notify's documentation
// describes.
package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// DefaultBaseURL is GOV.UK Notify's API.
const DefaultBaseURL = "https://api.notifications.service.gov.uk"

// Channels a message can go by: each has its own route in the API.
const (
	SMS    = "sms"
	Email  = "email"
	Letter = "letter"
)

// Client sends messages for one Notify service.
type Client struct {
	baseURL   string
	serviceID string
	secret    []byte
	templates Templates
	http      *http.Client
	now       func() time.Time
}

// uuidLength is the length of a UUID as text, as both halves of an API
// key's end are.
const uuidLength = 36

// New makes a client from an API key, "{key name}-{service id}-{secret}",
// where the service id and the secret are UUIDs and the name may hold
// hyphens of its own. An empty baseURL means Notify's own.
func New(apiKey, baseURL string, templates Templates) (*Client, error) {
	if len(apiKey) < 2*uuidLength+2 || apiKey[len(apiKey)-uuidLength-1] != '-' || apiKey[len(apiKey)-2*uuidLength-2] != '-' {
		return nil, errors.New("the Notify API key must end with the service id and the secret key, each a UUID")
	}
	if baseURL == "" {
		baseURL = DefaultBaseURL
	}
	if u, err := url.Parse(baseURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("the Notify address %q is not an http(s) address", baseURL)
	}
	return &Client{
		baseURL:   strings.TrimRight(baseURL, "/"),
		serviceID: apiKey[len(apiKey)-2*uuidLength-1 : len(apiKey)-uuidLength-1],
		secret:    []byte(apiKey[len(apiKey)-uuidLength:]),
		templates: templates,
		http:      &http.Client{Timeout: 30 * time.Second},
		now:       time.Now,
	}, nil
}

// Templates are the ids of the Notify templates to use, by the kind of
// message and its channel ("prescription-ready.sms"), or by channel alone
// ("sms") for every kind without one of its own.
type Templates map[string]string

// For finds the template for a kind of message sent by a channel.
func (t Templates) For(kind, channel string) (string, bool) {
	if id, ok := t[kind+"."+channel]; ok {
		return id, true
	}
	id, ok := t[channel]
	return id, ok
}

// ParseTemplates reads templates from JSON: an object of template ids.
func ParseTemplates(text string) (Templates, error) {
	templates := Templates{}
	if strings.TrimSpace(text) == "" {
		return templates, nil
	}
	if err := json.Unmarshal([]byte(text), &templates); err != nil {
		return nil, errors.New(`the Notify templates must be a JSON object of template ids, like {"sms": "…", "prescription-ready.email": "…"}`)
	}
	return templates, nil
}

// Message is one message to send. Letters go to an address of up to six
// lines and a postcode; SMS and email to To.
type Message struct {
	Kind            string
	Channel         string
	To              string
	Address         []string
	Postcode        string
	Personalisation map[string]string
	Reference       string // our own id for the message, which Notify keeps with it
}

// Error is an answer from Notify that is not a success.
type Error struct {
	StatusCode int
	Message    string
}

func (e *Error) Error() string {
	return fmt.Sprintf("Notify answered %d: %s", e.StatusCode, e.Message)
}

// Retryable reports whether sending again later may succeed: Notify was
// busy (429, over the rate limit) or failing (5xx). Other refusals, such
// as a bad number or a missing template, stay refused.
func (e *Error) Retryable() bool {
	return e.StatusCode == http.StatusTooManyRequests || e.StatusCode >= 500
}

// Retryable reports whether a failed send may succeed when tried again: a
// refusal that says so, or a failure to reach Notify at all.
func Retryable(err error) bool {
	var notifyErr *Error
	if errors.As(err, &notifyErr) {
		return notifyErr.Retryable()
	}
	return err != nil && !errors.Is(err, ErrNoTemplate) && !errors.Is(err, ErrNoAddress)
}

var (
	// ErrNoTemplate means no template is configured for a message.
	ErrNoTemplate = errors.New("no Notify template is set for this kind of message")
	// ErrNoAddress means a letter has no address Notify can post to.
	ErrNoAddress = errors.New("a letter needs at least two lines of address and a postcode")
)

// Send sends a message and returns Notify's id for it.
func (c *Client) Send(ctx context.Context, message Message) (string, error) {
	templateID, ok := c.templates.For(message.Kind, message.Channel)
	if !ok {
		return "", fmt.Errorf("%w: %s by %s", ErrNoTemplate, message.Kind, message.Channel)
	}
	body := map[string]any{"template_id": templateID, "reference": message.Reference}
	personalisation := map[string]string{}
	for name, value := range message.Personalisation {
		personalisation[name] = value
	}
	switch message.Channel {
	case SMS:
		body["phone_number"] = message.To
	case Email:
		body["email_address"] = message.To
	case Letter:
		// Notify needs three lines or more, the last of them the postcode.
		if len(message.Address) < 2 || len(message.Address) > 6 || message.Postcode == "" {
			return "", ErrNoAddress
		}
		for i, line := range append(append([]string{}, message.Address...), message.Postcode) {
			personalisation[fmt.Sprintf("address_line_%d", i+1)] = line
		}
	default:
		return "", fmt.Errorf("notify: no channel %q", message.Channel)
	}
	body["personalisation"] = personalisation
	var created struct {
		ID string `json:"id"`
	}
	if err := c.call(ctx, http.MethodPost, "/v2/notifications/"+message.Channel, body, &created); err != nil {
		return "", err
	}
	if created.ID == "" {
		return "", errors.New("Notify accepted the message without giving its id")
	}
	return created.ID, nil
}

// Status asks Notify how a message it accepted is getting on: "delivered",
// "permanent-failure" and so on, in Notify's words.
func (c *Client) Status(ctx context.Context, notifyID string) (string, error) {
	var found struct {
		Status string `json:"status"`
	}
	if err := c.call(ctx, http.MethodGet, "/v2/notifications/"+url.PathEscape(notifyID), nil, &found); err != nil {
		return "", err
	}
	return found.Status, nil
}

// call makes one signed request and reads the answer into result.
func (c *Client) call(ctx context.Context, method, path string, body, result any) error {
	var reader io.Reader
	if body != nil {
		encoded, err := json.Marshal(body)
		if err != nil {
			return err
		}
		reader = bytes.NewReader(encoded)
	}
	request, err := http.NewRequestWithContext(ctx, method, c.baseURL+path, reader)
	if err != nil {
		return err
	}
	token, err := c.token()
	if err != nil {
		return err
	}
	request.Header.Set("Authorization", "Bearer "+token)
	request.Header.Set("Content-Type", "application/json")
	request.Header.Set("User-Agent", "health-passport")
	response, err := c.http.Do(request)
	if err != nil {
		return fmt.Errorf("reaching Notify: %w", err)
	}
	defer response.Body.Close()
	answer, err := io.ReadAll(io.LimitReader(response.Body, 1<<20))
	if err != nil {
		return fmt.Errorf("reading Notify's answer: %w", err)
	}
	if response.StatusCode < 200 || response.StatusCode > 299 {
		return &Error{StatusCode: response.StatusCode, Message: errorMessage(answer)}
	}
	if err := json.Unmarshal(answer, result); err != nil {
		return fmt.Errorf("reading Notify's answer: %w", err)
	}
	return nil
}

// errorMessage is what Notify's error answer says, as it documents it:
// {"status_code": 400, "errors": [{"error": "...", "message": "..."}]}.
func errorMessage(answer []byte) string {
	var refusal struct {
		Errors []struct {
			Error   string `json:"error"`
			Message string `json:"message"`
		} `json:"errors"`
	}
	if json.Unmarshal(answer, &refusal) != nil || len(refusal.Errors) == 0 {
		return "no reason given"
	}
	reasons := make([]string, len(refusal.Errors))
	for i, e := range refusal.Errors {
		reasons[i] = e.Error + ": " + e.Message
	}
	return strings.Join(reasons, "; ")
}

// token is the JSON Web Token for one request. Notify refuses a token
// issued more than 30 seconds before it arrives, so each request has its
// own.
func (c *Client) token() (string, error) {
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.HS256, Key: c.secret},
		(&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		return "", err
	}
	return jwt.Signed(signer).Claims(map[string]any{"iss": c.serviceID, "iat": c.now().Unix()}).Serialize()
}
