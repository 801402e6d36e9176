package main

import "github.com/labstack/echo/v4"

// widgetCORS lets any origin load the widget script (and files under /widget/) with CORS,
// as a <script crossorigin> or a module import: Access-Control-Allow-Origin: *. It carries
// no credentials and nothing else is shared.
func widgetCORS(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if isWidgetPath(c.Request().URL.Path) {
			c.Response().Header().Set("Access-Control-Allow-Origin", "*")
		}
		return next(c)
	}
}
