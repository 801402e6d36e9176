package main

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

// healthz answers 200 {"status":"ok"} while the server runs.
func healthz(c echo.Context) error {
	return c.JSON(http.StatusOK, map[string]string{"status": "ok"})
}
