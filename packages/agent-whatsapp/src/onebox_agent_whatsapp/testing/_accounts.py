"""The test account's ids and secrets, shared by the fake Graph API and the webhook builders."""

PHONE_NUMBER_ID = "106540352242922"
DISPLAY_PHONE_NUMBER = "15550783881"
WABA_ID = "102290129340398"
CUSTOMER = "16505551234"
ACCESS_TOKEN = "EAAtest-token"
APP_SECRET = "test-app-secret"
