resource "aws_db_instance" "ledger" {
  engine                  = "postgres"
  multi_az                = true
  backup_retention_period = 7
  maintenance_window      = "sun:03:00-sun:04:00"
}

resource "aws_autoscaling_group" "web" {
  min_size            = var.min
  vpc_zone_identifier = ["subnet-a", "subnet-b"]
}
