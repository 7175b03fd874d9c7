"""Cloud provider drivers: machines at DigitalOcean, Akamai (Linode), Vultr, AWS and Hetzner Cloud."""
