// Package webhooks signs and sends webhook deliveries as Standard Webhooks
// describes, under the outbound client's rules.
package webhooks

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"healthpassport/models"
	"healthpassport/models/outbound"
)

// timeout is how long a receiver has to answer.
const timeout = 15 * time.Second

// The clients deliveries are posted with, kept so connections are reused:
// see the outbound package for the rules they keep. The demo's receivers
// run on this machine.
var (
	liveClient = outbound.New(outbound.Config{Timeout: timeout})
	demoClient = outbound.New(outbound.Config{Timeout: timeout, AllowLoopback: true})
)

// Sign is the Standard Webhooks signature of a message: v1, then the
// base64 HMAC-SHA256, keyed with the secret's bytes, of id.timestamp.body.
func Sign(secret, messageID string, timestamp int64, body []byte) (string, error) {
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, models.SecretPrefix))
	if err != nil {
		return "", fmt.Errorf("webhook secret is not base64: %w", err)
	}
	mac := hmac.New(sha256.New, key)
	fmt.Fprintf(mac, "%s.%d.", messageID, timestamp)
	mac.Write(body)
	return "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil)), nil
}

// Send posts a delivery's body to address, signed with each of secrets,
// and reports the answer's status; anything but a 2xx answer is a failure.
// In demo mode the receiver may be on this machine.
func Send(ctx context.Context, address, messageID string, timestamp int64, secrets []string, body []byte, demo bool) (int, error) {
	signatures := []string{}
	for _, secret := range secrets {
		signature, err := Sign(secret, messageID, timestamp, body)
		if err != nil {
			return 0, err
		}
		signatures = append(signatures, signature)
	}
	header := http.Header{"Content-Type": {"application/json"}, "User-Agent": {"HealthPassport-Webhooks/1"},
		"Webhook-Id": {messageID}, "Webhook-Timestamp": {strconv.FormatInt(timestamp, 10)},
		"Webhook-Signature": {strings.Join(signatures, " ")}}
	client := liveClient
	if demo {
		client = demoClient
	}
	res, err := client.Post(ctx, address, header, body)
	if err != nil {
		return 0, err
	}
	if res.StatusCode < 200 || res.StatusCode > 299 {
		return res.StatusCode, fmt.Errorf("the endpoint answered %d", res.StatusCode)
	}
	return res.StatusCode, nil
}
